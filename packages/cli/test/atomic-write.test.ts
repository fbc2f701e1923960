import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { CliError } from '../src/errors';
import { checkOutputFile, createFolder, pendingTemporaryFiles, removePendingTemporaryFiles, trackTemporaryFile, writeFileAtomic } from '../src/io/atomic-write';

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
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow(`cannot write ${path}: it is a folder; pass a file path`);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(path, 'inner.txt'), 'utf8')).toBe('x');
  });

  it('names the path for any failed write', async (context) => {
    if (!existsSync('/proc/self')) context.skip('no /proc on this system');
    await expect(writeFileAtomic('/proc/model.json', 'data')).rejects.toThrow(/^cannot write \/proc\/model\.json: (.*; )?choose (another output path|a folder you can write to)/);
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

describe('createFolder', () => {
  it('creates missing parents', async () => {
    const path = join(folder, 'made', 'two', 'levels');
    await createFolder(path);
    expect(statSync(path).isDirectory()).toBe(true);
    await expect(createFolder(path)).resolves.toBeUndefined();
  });

  it('rejects a file as a parent', async () => {
    const file = join(folder, 'file-not-folder');
    writeFileSync(file, 'x');
    await expect(createFolder(join(file, 'cache'))).rejects.toThrow(/ENOTDIR/);
  });

  // Node 20's recursive mkdir spun forever under /proc, so a hang fails on the test timeout.
  it('rejects a folder under a dangling symlink', async () => {
    const link = join(folder, 'dangling');
    symlinkSync(join(folder, 'no-such-target'), link);
    await expect(createFolder(join(link, 'cache'))).rejects.toThrow(/ENOENT/);
  });

  it('rejects a folder under /proc', async (context) => {
    if (!existsSync('/proc/self')) context.skip('no /proc on this system');
    await expect(createFolder('/proc/offshelf-cache/models')).rejects.toThrow(/ENOENT|EACCES/);
  });
});

describe('checkOutputFile', () => {
  it('accepts a new file in a missing folder', async () => {
    await expect(checkOutputFile(join(folder, 'missing', 'deeper', 'model.json'))).resolves.toBeUndefined();
  });

  it('rejects a folder', async () => {
    const path = join(folder, 'a-folder.json');
    await writeFileAtomic(join(path, 'inner.txt'), 'x');
    const check = checkOutputFile(path);
    await expect(check).rejects.toBeInstanceOf(CliError);
    await expect(checkOutputFile(path)).rejects.toThrow(`-o ${path}: is a folder; pass a file path`);
  });

  it('rejects a file as a parent', async () => {
    const file = join(folder, 'a-file');
    writeFileSync(file, 'x');
    const path = join(file, 'sub', 'model.json');
    await expect(checkOutputFile(path, '--out')).rejects.toThrow(`--out ${path}: ${file} is a file, not a folder; choose another output path`);
  });

  it('rejects a folder that takes no new files', async (context) => {
    // Linux's /proc passes the permission check for root but rejects new files. Other users
    // fail the permission check itself.
    if (!existsSync('/proc/self')) context.skip('no /proc on this system');
    const path = '/proc/model.json';
    await expect(checkOutputFile(path)).rejects.toThrow(/^-o \/proc\/model\.json: (cannot create a file in \/proc \(|no permission to write in \/proc;)/);
  });

  it('names the file when a parent is a file', async () => {
    const file = join(folder, 'another-file');
    writeFileSync(file, 'x');
    await expect(writeFileAtomic(join(file, 'model.json'), 'data')).rejects.toThrow('a parent of it is a file, not a folder');
  });
});
