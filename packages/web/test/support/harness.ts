import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { browserBundleOptions, buildWebApp } from '../../scripts/build.mjs';
import { startStaticServer, type StaticServer } from '../../scripts/serve.mjs';
import { launchBrowser, type BrowserSession } from './browser';
import { SHARED_DIR } from './shared';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export type { StaticServer };

export interface Harness extends BrowserSession {
  server: StaticServer;
  /** Closes the browser, then the server. */
  shutdown(): Promise<void>;
}

/**
 * Builds dist/ from the current sources (under a second), starts the static server
 * over it with the shared folder under /shared/, and launches Chromium.
 */
export async function startHarness(): Promise<Harness> {
  const distDir = await buildWebApp(join(packageDir, 'dist'));

  const server = await startStaticServer({ distDir, sharedDir: SHARED_DIR });
  const browser = await launchBrowser();
  return {
    ...browser,
    server,
    async shutdown() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Bundles a test-only page script from test/page/ for the browser and serves it at
 * /test/NAME.html, so test code never lands in dist/.
 */
export async function serveTestPage(server: StaticServer, name: string): Promise<string> {
  const result = await build({
    ...browserBundleOptions,
    entryPoints: [join(packageDir, 'test/page', `${name}.ts`)],
    sourcemap: 'inline',
    write: false,
  });
  server.setRoute(`/test/${name}.js`, result.outputFiles![0]!.text, 'text/javascript; charset=utf-8');
  server.setRoute(
    `/test/${name}.html`,
    `<!doctype html><meta charset="utf-8"><title>${name}</title><script type="module" src="/test/${name}.js"></script>`,
    'text/html; charset=utf-8',
  );
  return `${server.url}/test/${name}.html`;
}
