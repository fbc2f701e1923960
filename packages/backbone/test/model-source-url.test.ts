import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resnet18Like } from '../../../scripts/onnx/make_test_models.mjs';
import { loadModel, ModelImportError, modelSourceFromUrl } from '../src/index';

// A server on 127.0.0.1 with one model folder per response to a request for a file that is not
// there: /missing/ returns HTTP 404, /app/ an HTML page (as single-page-app servers do), /broken/
// HTTP 500, and /configured/ has a preprocessor_config.json.
const model = resnet18Like();
const config = JSON.stringify({ image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], size: { height: 64, width: 64 } });
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const [, folder, file] = (request.url ?? '').split('/');
    if (file === 'model.onnx') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(model);
    } else if (folder === 'configured' && file === 'preprocessor_config.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(config);
    } else if (folder === 'app') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>app</title>');
    } else if (folder === 'broken') {
      response.writeHead(500).end('internal error');
    } else {
      response.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('modelSourceFromUrl', () => {
  it('treats a 404 sibling as absent', async () => {
    const graph = await loadModel(modelSourceFromUrl(`${base}/missing/model.onnx`));
    expect(graph.metadata.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    expect(graph.metadata.warnings).toBeUndefined();
  });

  it('treats an HTML page as an absent sibling', async () => {
    const graph = await loadModel(modelSourceFromUrl(`${base}/app/model.onnx`));
    expect(graph.metadata.preprocessingSource).toBeUndefined();
    expect(graph.metadata.warnings).toBeUndefined();
  });

  it('warns about a sibling the server fails on', async () => {
    const graph = await loadModel(modelSourceFromUrl(`${base}/broken/model.onnx`));
    expect(graph.metadata.preprocessing.mean).toEqual([0.485, 0.456, 0.406]);
    expect(graph.metadata.warnings).toHaveLength(1);
    expect(graph.metadata.warnings![0]).toMatch(/broken\/preprocessor_config\.json could not be read \(.*HTTP 500.*\), so the model's default preprocessing applies/);
  });

  it('reads a preprocessor_config.json beside the model', async () => {
    const graph = await loadModel(modelSourceFromUrl(`${base}/configured/model.onnx`));
    expect(graph.metadata.preprocessingSource).toBe('preprocessor_config.json');
    expect(graph.metadata.preprocessing.mean).toEqual([0.5, 0.5, 0.5]);
    expect(graph.metadata.preprocessing.resize).toEqual({ mode: 'stretch' });
  });

  it('names a missing model file', async () => {
    await expect(loadModel(modelSourceFromUrl(`${base}/missing/other.onnx`))).rejects.toThrow(ModelImportError);
    await expect(loadModel(modelSourceFromUrl(`${base}/missing/other.onnx`))).rejects.toThrow(/other\.onnx: download failed: HTTP 404/);
  });
});
