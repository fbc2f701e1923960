import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { pendingTemporaryFiles, removePendingTemporaryFiles, trackTemporaryFile, writeFileAtomic } from '../src/io/atomic-write';

const folder = mkdtempSync(join(tmpdir(), 'offshelf-atomic-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes chunks and leaves no temporary file', async () => {
    const path = join(folder, 'nested', 'out.bin');
    await writeFileAtomic(path, [new Uint8Array([1, 2]), 'ab']);
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 97, 98]);
    expect(readdirSync(join(folder, 'nested'))).toEqual(['out.bin']);
    expect(pendingTemporaryFiles()).toEqual([]);
  });

  it('replaces an existing file', async () => {
    const path = join(folder, 'replace.txt');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('keeps the old file when the rename fails', async () => {
    // A folder in the way makes rename() fail after the temporary file was written.
    const path = join(folder, 'blocked');
    await writeFileAtomic(join(path, 'inner.txt'), 'x');
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow();
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(path, 'inner.txt'), 'utf8')).toBe('x');
  });

  it('removes tracked temporary files on interrupt', async () => {
    const temporary = join(folder, '.partial.tmp');
    writeFileSync(temporary, 'partial');
    trackTemporaryFile(temporary);
    await removePendingTemporaryFiles();
    expect(existsSync(temporary)).toBe(false);
    expect(pendingTemporaryFiles()).toEqual([]);
  });
});
