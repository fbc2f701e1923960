import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';

import { CASE_SCRATCH_ENV } from '../measure/child-process';

/** Returns the Chromium executable: `OFFSHELF_CHROMIUM`, else Debian's package, because playwright-core downloads no browser here. */
export function chromiumPath(): string {
  return process.env.OFFSHELF_CHROMIUM ?? '/usr/bin/chromium';
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  // No update checks, sync, first-run pages or QUIC probes: the browser only talks to the bench's own server.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface ChromiumSession {
  page: Page;
  /** The browser's version string, for the report. */
  version: string;
  /** The fresh profile folder, which also marks this browser's processes on their command lines. */
  userDataDir: string;
  /** Page console lines and uncaught errors, for failure messages. */
  log: string[];
  close(): Promise<void>;
}

/** Returns why Chromium cannot be launched here, or null when it can. */
export async function chromiumUnavailableReason(): Promise<string | null> {
  const path = chromiumPath();
  if (!existsSync(path)) {
    return `Chromium not found at ${path}: install Debian's chromium package or set OFFSHELF_CHROMIUM to a Chromium executable.`;
  }
  try {
    await import('playwright-core');
  } catch (error) {
    return `playwright-core could not be imported (${(error as Error).message}): run pnpm install.`;
  }
  return null;
}

/** Launches headless Chromium with a fresh profile in a temporary folder and opens one page. */
export async function launchChromium(): Promise<ChromiumSession> {
  const { chromium } = await import('playwright-core');
  // Inside the case's scratch folder when there is one, which the parent removes even after killing this process.
  const userDataDir = mkdtempSync(join(process.env[CASE_SCRATCH_ENV] ?? tmpdir(), 'offshelf-bench-chromium-'));
  // The profile is also removed when the case fails before `close`, because the process then exits.
  const removeProfile = (): void => rmSync(userDataDir, { recursive: true, force: true });
  process.once('exit', removeProfile);

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    removeProfile();
    throw new Error(`Chromium at ${chromiumPath()} failed to launch: ${(error as Error).message}`);
  }

  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on('console', (message) => log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`));

  return {
    page,
    version: context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)),
    userDataDir,
    log,
    async close() {
      await context.close();
      removeProfile();
      process.off('exit', removeProfile);
    },
  };
}
