// Downloads are tested against a node:http server on 127.0.0.1 started here; digests
// are computed with node:crypto in the test or with coreutils' sha256sum.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DATASET_REGISTRY, resolveDataset, treeSha256, type DatasetEntry } from '../src/registry/datasets';
import { downloadFile } from '../src/registry/download';
import { MODEL_REGISTRY, resolveModel, resolveModelLabels, type ModelEntry } from '../src/registry/models';

const root = mkdtempSync(join(tmpdir(), 'offshelf-registry-'));
const payload = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
const payloadSha256 = createHash('sha256').update(payload).digest('hex');
let server: Server;
let baseUrl = '';
let requests = 0;
const routes = new Map<string, Uint8Array>();

beforeAll(async () => {
  routes.set('/model.bin', payload);
  routes.set('/mirror/models/test/tiny.bin', payload);
  server = createServer((request, response) => {
    requests++;
    if (request.url === '/dies.bin') {
      // Sends part of the body, then closes the connection.
      response.writeHead(200, { 'content-length': String(payload.byteLength) });
      response.write(payload.subarray(0, 100_000), () => response.socket?.destroy());
      return;
    }
    if (request.url === '/stall.bin') {
      // Sends part of the body, then nothing until the client gives up.
      response.writeHead(200, { 'content-length': String(payload.byteLength) });
      response.write(payload.subarray(0, 1000));
      return;
    }
    const body = routes.get(request.url ?? '');
    if (request.url?.startsWith('/no-length/') && body === undefined) {
      response.writeHead(200);
      response.end(routes.get(request.url.slice('/no-length'.length)));
      return;
    }
    if (!body) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': String(body.byteLength) });
    // Two chunks, so the progress bar gets more than one update.
    response.write(body.subarray(0, body.byteLength >> 1));
    setTimeout(() => response.end(body.subarray(body.byteLength >> 1)), 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** Creates a fake terminal that records what the progress bar writes. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      text += String(chunk);
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 100, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, text: () => text };
}

/** Records what is written to process.stderr until `stop` is called. */
function captureStderr(): { stop: () => string } {
  let text = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  return {
    stop: () => {
      process.stderr.write = write;
      return text;
    },
  };
}

function environment(name: string): Record<string, string> {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  return { OFFSHELF_MODELS: join(folder, 'models'), OFFSHELF_DATASETS: join(folder, 'datasets'), OFFSHELF_CACHE: join(folder, 'cache') };
}

function entry(overrides: Partial<ModelEntry> = {}): ModelEntry {
  return { name: 'tiny', file: 'test/tiny.bin', url: `${baseUrl}/model.bin`, sha256: payloadSha256, description: 'test model', ...overrides };
}

describe('downloadFile', () => {
  it('downloads with a progress bar and checks the digest', async () => {
    const destination = join(root, 'direct', 'file.bin');
    const terminal = fakeTerminal();
    await downloadFile({ url: `${baseUrl}/model.bin`, sha256: payloadSha256, destination, label: 'test file', progressStream: terminal.stream });
    expect(Buffer.compare(readFileSync(destination), Buffer.from(payload))).toBe(0);
    expect(terminal.text()).toMatch(/downloading test file/);
    expect(terminal.text()).toMatch(/0\.3\/0\.3 \| [\d.]+ MB\/s/);
  });

  it('writes two lines instead of a bar where output is no terminal', async () => {
    const destination = join(root, 'direct-log', 'file.bin');
    const log = fakeTerminal();
    Object.assign(log.stream, { isTTY: false });
    await downloadFile({ url: `${baseUrl}/no-length/model.bin`, sha256: payloadSha256, destination, label: 'test file', progressStream: log.stream });
    expect(log.text()).toBe(`offshelf: downloading test file from ${baseUrl}/no-length/model.bin\noffshelf: downloaded test file (0.3 MB) to ${destination}\n`);
  });

  it('shows an unknown total without a Content-Length', async () => {
    const terminal = fakeTerminal();
    await downloadFile({ url: `${baseUrl}/no-length/model.bin`, destination: join(root, 'direct-no-length', 'file.bin'), label: 'test file', progressStream: terminal.stream });
    expect(terminal.text()).toMatch(/0\.3\/\? \|/);
  });

  it('names the bytes received when the server dies', async () => {
    const destination = join(root, 'direct-dies', 'file.bin');
    await expect(downloadFile({ url: `${baseUrl}/dies.bin`, destination, label: 'test file', quiet: true })).rejects.toThrow(
      /download of test file from http:\/\/127\.0\.0\.1:\d+\/dies\.bin failed after 0\.1 MB of 0\.3 MB: the connection ended \(.+\); retry, or download/,
    );
    expect(readdirSync(join(root, 'direct-dies'))).toEqual([]);
  });

  it('fails a stalled download and leaves no file', async () => {
    const destination = join(root, 'direct-stall', 'file.bin');
    await expect(downloadFile({ url: `${baseUrl}/stall.bin`, destination, label: 'test file', quiet: true, idleTimeoutSeconds: 0.3 })).rejects.toThrow(
      /download of test file from http:\/\/127\.0\.0\.1:\d+\/stall\.bin failed after 0\.0 MB of 0\.3 MB: no data for 0\.3 s \(set OFFSHELF_DOWNLOAD_TIMEOUT to wait longer\)/,
    );
    expect(readdirSync(join(root, 'direct-stall'))).toEqual([]);
  });
});

describe('resolveModelLabels', () => {
  it('downloads labels into the cache beside the model', async () => {
    const env = environment('labels');
    const labels = { file: 'test/labels.txt', url: `${baseUrl}/model.bin`, sha256: payloadSha256 };
    const path = await resolveModelLabels('tiny', { env, registry: [entry({ labels })], quiet: true });
    expect(path).toBe(join(env.OFFSHELF_CACHE!, 'models', 'test', 'labels.txt'));
    expect(createHash('sha256').update(readFileSync(path!)).digest('hex')).toBe(payloadSha256);
  });

  it('returns nothing for a model without labels', async () => {
    const env = environment('no-labels');
    expect(await resolveModelLabels('tiny', { env, registry: [entry()] })).toBeUndefined();
  });
});

describe('resolveModel', () => {
  it('prefers a path over a name', async () => {
    const env = environment('path');
    const path = join(root, 'mobilenet_v2');
    writeFileSync(path, 'weights');
    const resolved = await resolveModel(path, { env });
    expect(resolved).toEqual({ path, sha256: createHash('sha256').update('weights').digest('hex') });
  });

  it('uses the models folder, then the cache', async () => {
    const env = environment('order');
    const cached = join(env.OFFSHELF_CACHE!, 'models', 'test', 'tiny.bin');
    mkdirSync(join(cached, '..'), { recursive: true });
    writeFileSync(cached, payload);
    const before = requests;
    expect((await resolveModel('tiny', { env, registry: [entry()] })).path).toBe(cached);
    expect(requests).toBe(before);

    // A file of the user's in the models folder is used as it is, with a warning for another digest.
    const local = join(env.OFFSHELF_MODELS!, 'test', 'tiny.bin');
    mkdirSync(join(local, '..'), { recursive: true });
    writeFileSync(local, 'local');
    const warnings = captureStderr();
    expect((await resolveModel('tiny', { env, registry: [entry()] })).path).toBe(local);
    expect(warnings.stop()).toContain(`warning: ${local} has SHA-256 ${createHash('sha256').update('local').digest('hex')}, not the registry's ${payloadSha256} for model tiny; using it as it is`);
  });

  it('downloads a corrupt cached file again', async () => {
    const env = environment('corrupt-cache');
    const cached = join(env.OFFSHELF_CACHE!, 'models', 'test', 'tiny.bin');
    mkdirSync(join(cached, '..'), { recursive: true });
    writeFileSync(cached, payload.subarray(1));

    await expect(resolveModel('tiny', { env: { ...env, OFFSHELF_OFFLINE: '1' }, registry: [entry()] })).rejects.toThrow(
      `the cached model tiny at ${cached} has SHA-256 ${createHash('sha256').update(payload.subarray(1)).digest('hex')}, expected ${payloadSha256}, so it is corrupt or was replaced; delete it and run again online`,
    );

    const warnings = captureStderr();
    const resolved = await resolveModel('tiny', { env, registry: [entry()], quiet: true });
    expect(warnings.stop()).toContain('so it is corrupt or was replaced; downloading it again');
    expect(resolved.sha256).toBe(payloadSha256);
    expect(createHash('sha256').update(readFileSync(cached)).digest('hex')).toBe(payloadSha256);
  });

  it('downloads from OFFSHELF_MIRROR, also files without a public URL', async () => {
    const env = { ...environment('mirror'), OFFSHELF_MIRROR: `${baseUrl}/mirror/` };
    const resolved = await resolveModel('tiny', { env, registry: [entry({ url: undefined })], quiet: true });
    expect(resolved.sha256).toBe(payloadSha256);
    await expect(resolveModel('tiny', { env: { ...env, OFFSHELF_MIRROR: 'ftp://host' }, registry: [entry()] })).rejects.toThrow(
      'OFFSHELF_MIRROR=ftp://host is invalid: set it to an http:// or https:// URL, or unset it',
    );
  });

  it('downloads into the cache when missing', async () => {
    const env = environment('download');
    const resolved = await resolveModel('tiny', { env, registry: [entry()], quiet: true });
    expect(resolved).toEqual({ path: join(env.OFFSHELF_CACHE!, 'models', 'test', 'tiny.bin'), registryName: 'tiny', sha256: payloadSha256 });
    expect(createHash('sha256').update(readFileSync(resolved.path)).digest('hex')).toBe(payloadSha256);

    // A second resolution comes from the cache without a request.
    const before = requests;
    await resolveModel('tiny', { env, registry: [entry()] });
    expect(requests).toBe(before);
  });

  it('leaves nothing in the cache on a digest mismatch', async () => {
    const env = environment('mismatch');
    const wrong = '0'.repeat(64);
    await expect(resolveModel('tiny', { env, registry: [entry({ sha256: wrong })], quiet: true })).rejects.toThrow(
      new RegExp(`has SHA-256 ${payloadSha256}, expected ${wrong}; .*nothing was cached`),
    );
    const folder = join(env.OFFSHELF_CACHE!, 'models', 'test');
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
  });

  it('reports HTTP 404 with the manual fix', async () => {
    const env = environment('404');
    const url = `${baseUrl}/missing.bin`;
    await expect(resolveModel('tiny', { env, registry: [entry({ url })], quiet: true })).rejects.toThrow(
      new RegExp(`returned HTTP 404 .*check the URL \\(OFFSHELF_MIRROR sets the server of registry files\\), or download ${url} on a machine with network access and put it at ${join(env.OFFSHELF_CACHE!, 'models', 'test', 'tiny.bin')}`),
    );
  });

  it('says what to fetch and where when offline', async () => {
    const env = environment('offline');
    const destination = join(env.OFFSHELF_CACHE!, 'models', 'test', 'tiny.bin');
    // A port whose server just closed refuses connections, as an unreachable network does.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = `http://127.0.0.1:${port}/model.bin`;
    await expect(resolveModel('tiny', { env, registry: [entry({ url: unreachable })], quiet: true })).rejects.toThrow(
      new RegExp(`cannot download model tiny \\(ECONNREFUSED, offline\\?\\): download ${unreachable} .* put it at ${destination} \\(SHA-256 ${payloadSha256}\\)`),
    );
    await expect(resolveModel('tiny', { env: { ...env, OFFSHELF_OFFLINE: '1' }, registry: [entry()] })).rejects.toThrow(/OFFSHELF_OFFLINE=1: download http:\/\/127\.0\.0\.1:\d+\/model\.bin/);
  });

  it('explains a model without a public URL', async () => {
    const env = environment('no-url');
    await expect(resolveModel('tiny', { env, registry: [entry({ url: undefined })] })).rejects.toThrow(/has no public download; put the file at .*tiny\.bin \(SHA-256/);
  });

  it('rejects an unknown name, listing the known ones', async () => {
    await expect(resolveModel('resnet_9000', { env: environment('unknown') })).rejects.toThrow(/not a registry name; .*mobilenet_v2, mobilenet_v2_onnx/);
  });

  it('finds every registry model in the shared folder with its digest', async () => {
    const env = { OFFSHELF_MODELS: join(process.env.OFFSHELF_SHARED!, 'models'), OFFSHELF_CACHE: join(root, 'unused-cache') };
    for (const model of MODEL_REGISTRY) {
      const resolved = await resolveModel(model.name, { env });
      expect({ name: model.name, sha256: resolved.sha256 }).toEqual({ name: model.name, sha256: model.sha256 });
      if (!model.labels) continue;
      const labels = await resolveModelLabels(model.name, { env });
      expect({ name: model.name, sha256: createHash('sha256').update(readFileSync(labels!)).digest('hex') }).toEqual({ name: model.name, sha256: model.labels.sha256 });
    }
  });
});

describe('resolveDataset', () => {
  const files: Record<string, Uint8Array> = {
    'set/train/a/1.jpg': new TextEncoder().encode('one'),
    'set/train/b/2.jpg': new TextEncoder().encode('two'),
    'set/val/a/3.jpg': new TextEncoder().encode('three'),
  };

  function datasetEntry(treeSha256: string): DatasetEntry {
    return { name: 'tinyset', folder: 'tinyset', url: `${baseUrl}/set.zip`, zipRoot: 'set', treeSha256, splits: ['train', 'val'], description: 'test' };
  }

  /** Computes the digest with coreutils: `find . -type f | sort | xargs sha256sum | sha256sum`. */
  function shellTreeSha256(folder: string): string {
    const script = "LC_ALL=C find . -type f -printf '%P\\n' | LC_ALL=C sort | while read f; do printf '%s  %s\\n' \"$(sha256sum \"$f\" | cut -d' ' -f1)\" \"$f\"; done | sha256sum | cut -d' ' -f1";
    return execFileSync('bash', ['-c', script], { cwd: folder, encoding: 'utf8' }).trim();
  }

  it('computes the tree digest as sha256sum does', async () => {
    const folder = join(root, 'tree');
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(folder, name, '..'), { recursive: true });
      writeFileSync(join(folder, name), content);
    }
    expect(await treeSha256(join(folder, 'set'))).toBe(shellTreeSha256(join(folder, 'set')));
  });

  it('downloads, unpacks and verifies a split', async () => {
    routes.set('/set.zip', zipSync({ ...files, '__MACOSX/set/._junk': new Uint8Array([1]) }));
    const folder = join(root, 'tree', 'set');
    const env = environment('dataset');
    const path = await resolveDataset('tinyset/train', { env, registry: [datasetEntry(shellTreeSha256(folder))], quiet: true });
    expect(path).toBe(join(env.OFFSHELF_CACHE!, 'datasets', 'tinyset', 'train'));
    expect(readFileSync(join(path, 'b', '2.jpg'), 'utf8')).toBe('two');
    expect(readdirSync(join(env.OFFSHELF_CACHE!, 'datasets'))).toEqual(['tinyset']);

    // A file changed in the cache fails the check on the next use.
    writeFileSync(join(path, 'b', '2.jpg'), 'changed');
    await expect(resolveDataset('tinyset/train', { env, registry: [datasetEntry(shellTreeSha256(folder))], quiet: true })).rejects.toThrow(
      `the cached data set tinyset at ${join(env.OFFSHELF_CACHE!, 'datasets', 'tinyset')} has content SHA-256`,
    );
  });

  it('lets two resolutions of one data set meet', async () => {
    routes.set('/set.zip', zipSync(files));
    routes.set('/mirror/datasets/set.zip', zipSync(files));
    const digest = shellTreeSha256(join(root, 'tree', 'set'));
    const env: Record<string, string> = { ...environment('dataset-twice'), OFFSHELF_MIRROR: `${baseUrl}/mirror` };
    const registry = [{ ...datasetEntry(digest), url: 'https://example.invalid/set.zip' }];
    const paths = await Promise.all([resolveDataset('tinyset', { env, registry, quiet: true }), resolveDataset('tinyset', { env, registry, quiet: true })]);
    expect(paths).toEqual([join(env.OFFSHELF_CACHE!, 'datasets', 'tinyset'), join(env.OFFSHELF_CACHE!, 'datasets', 'tinyset')]);
    expect(readdirSync(join(env.OFFSHELF_CACHE!, 'datasets'))).toEqual(['tinyset']);
  });

  it('rejects an archive without the data set folder', async () => {
    routes.set('/other-root.zip', zipSync({ 'elsewhere/train/a/1.jpg': new TextEncoder().encode('one') }));
    const env = environment('dataset-root');
    const registry = [{ ...datasetEntry('0'.repeat(64)), url: `${baseUrl}/other-root.zip` }];
    await expect(resolveDataset('tinyset', { env, registry, quiet: true })).rejects.toThrow(
      `the archive of data set tinyset from ${baseUrl}/other-root.zip has no files under set/, so it is not the data set's archive; nothing was cached`,
    );
    expect(readdirSync(join(env.OFFSHELF_CACHE!, 'datasets'))).toEqual([]);
  });

  it('caches nothing when the content digest differs', async () => {
    const env = environment('dataset-mismatch');
    await expect(resolveDataset('tinyset', { env, registry: [datasetEntry('f'.repeat(64))], quiet: true })).rejects.toThrow(/content SHA-256 .* expected f{64}; nothing was cached/);
    expect(readdirSync(join(env.OFFSHELF_CACHE!, 'datasets'))).toEqual([]);
  });

  it('rejects an unknown split', async () => {
    await expect(resolveDataset('tinyset/test', { env: environment('split'), registry: [datasetEntry('0')] })).rejects.toThrow(/has no split "test"; use one of: train, val/);
  });

  it('resolves hymenoptera from the shared folder with its digest', async () => {
    const env = { OFFSHELF_DATASETS: join(process.env.OFFSHELF_SHARED!, 'datasets'), OFFSHELF_CACHE: join(root, 'unused') };
    const path = await resolveDataset('hymenoptera', { env });
    expect(await resolveDataset('hymenoptera/val', { env })).toBe(join(path, 'val'));
    expect(await treeSha256(path)).toBe(DATASET_REGISTRY[0]!.treeSha256);
  });
});
