import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';

// Both headers make the page crossOriginIsolated, which Chromium requires before it shares
// memory (SharedArrayBuffer) with workers, and so before WebAssembly can run threads.
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

export interface IsolatedServer {
  /** Origin of the server, such as `http://127.0.0.1:41234`. */
  url: string;
  close(): Promise<void>;
}

export interface IsolatedServerOptions {
  /** In-memory responses by URL path, such as `/index.html`. */
  routes: Record<string, string | Uint8Array>;
  /** URL prefix → folder whose files are served under it, such as `/ort/` → onnxruntime-web's dist folder. */
  folders: Record<string, string>;
}

function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

function send(response: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  response.writeHead(status, { ...ISOLATION_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** Resolves `relativePath` inside `folder`, or returns null when it would leave the folder. */
function fileInside(folder: string, relativePath: string): string | null {
  const root = resolve(folder);
  const file = resolve(root, relativePath);
  return file.startsWith(root + sep) ? file : null;
}

/**
 * Starts a read-only HTTP server on 127.0.0.1 (a free port) that sends the cross-origin
 * isolation headers with every response, so the pages it serves may run WebAssembly threads.
 */
export async function startIsolatedServer({ routes, folders }: IsolatedServerOptions): Promise<IsolatedServer> {
  const server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'GET') {
        send(response, 405, 'text/plain', `${request.method} is not allowed: the bench server is read-only.\n`);
        return;
      }

      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
      const route = routes[path];
      if (route !== undefined) {
        send(response, 200, contentType(path), route);
        return;
      }

      for (const [prefix, folder] of Object.entries(folders)) {
        if (!path.startsWith(prefix)) continue;
        const file = fileInside(folder, path.slice(prefix.length));
        if (!file) break;
        try {
          send(response, 200, contentType(file), await readFile(file));
        } catch {
          send(response, 404, 'text/plain', `${path} not found in ${folder}.\n`);
        }
        return;
      }
      send(response, 404, 'text/plain', `${path} not found.\n`);
    })().catch((error: unknown) => {
      process.stderr.write(`bench server: ${request.url} failed: ${String(error)}\n`);
      response.destroy();
    });
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
