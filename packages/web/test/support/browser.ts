import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; playwright-core never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env.OFFSHELF_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  // Headless Chromium on Linux exposes WebGPU only with this flag (it then uses SwiftShader).
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Page console lines and uncaught errors, for failure messages. */
  log: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile in a temporary folder and opens one page. */
export async function launchBrowser(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: run \`apt-get install --no-install-recommends chromium\` ` +
        'or set OFFSHELF_CHROMIUM to a Chromium or Chrome executable',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'offshelf-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });

  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on('console', (message) => log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));

  return {
    context,
    page,
    log,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
