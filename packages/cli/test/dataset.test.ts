import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { collectImagePaths, parseCsvLine, readCsvDataset, readDataset, readImageFolder } from '../src/data/dataset';

const root = mkdtempSync(join(tmpdir(), 'offshelf-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, 'x');
  return path;
}

describe('readImageFolder', () => {
  const folder = join(root, 'folder');
  touch(join(folder, 'cats', 'b.jpg'));
  touch(join(folder, 'cats', 'nested', 'a.PNG'));
  touch(join(folder, 'cats', '.DS_Store'));
  touch(join(folder, 'cats', 'notes.txt'));
  touch(join(folder, 'dogs', 'c.webp'));
  touch(join(folder, 'README.md'));
  mkdirSync(join(root, 'linked-target'), { recursive: true });
  touch(join(root, 'linked-target', 'd.bmp'));
  symlinkSync(join(root, 'linked-target', 'd.bmp'), join(folder, 'dogs', 'link.bmp'));

  it('finds classes and images recursively', async () => {
    const dataset = await readImageFolder(folder);
    expect(dataset.classNames).toEqual(['cats', 'dogs']);
    expect(dataset.images).toEqual([
      { path: join(folder, 'cats', 'b.jpg'), label: 0 },
      { path: join(folder, 'cats', 'nested', 'a.PNG'), label: 0 },
      { path: join(folder, 'dogs', 'c.webp'), label: 1 },
      { path: join(folder, 'dogs', 'link.bmp'), label: 1 },
    ]);
  });

  it('reports non-image files as skipped', async () => {
    const dataset = await readImageFolder(folder);
    expect(dataset.skipped.map((skip) => skip.path)).toEqual([join(folder, 'cats', 'notes.txt')]);
  });

  it('rejects an empty class folder', async () => {
    const bad = join(root, 'empty-class');
    touch(join(bad, 'a', 'x.jpg'));
    mkdirSync(join(bad, 'b'));
    await expect(readImageFolder(bad)).rejects.toThrow(/class folder "b" has no images; add images or remove the folder/);
  });

  it('rejects a single class', async () => {
    const bad = join(root, 'one-class');
    touch(join(bad, 'only', 'x.jpg'));
    await expect(readImageFolder(bad)).rejects.toThrow(/found only one class \(only\); a classifier needs at least two classes/);
  });
});

describe('readCsvDataset', () => {
  const folder = join(root, 'csv');
  touch(join(folder, 'img', 'one.jpg'));
  touch(join(folder, 'img', 'two, with comma.jpg'));
  touch(join(folder, 'img', 'three.png'));

  it('reads rows relative to the CSV and skips missing files', async () => {
    const csv = join(folder, 'labels.csv');
    writeFileSync(csv, 'path,label\nimg/one.jpg,cat\n"img/two, with comma.jpg",dog\r\nimg/three.png,cat\nimg/gone.jpg,dog\n\n');
    const dataset = await readCsvDataset(csv);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect(dataset.images).toEqual([
      { path: join(folder, 'img', 'one.jpg'), label: 0 },
      { path: join(folder, 'img', 'two, with comma.jpg'), label: 1 },
      { path: join(folder, 'img', 'three.png'), label: 0 },
    ]);
    expect(dataset.skipped).toEqual([{ path: join(folder, 'img', 'gone.jpg'), reason: `file not found (listed in ${csv})` }]);
  });

  it('rejects malformed rows with the line number', async () => {
    const csv = join(folder, 'bad.csv');
    writeFileSync(csv, 'img/one.jpg,cat\nimg/three.png\n');
    await expect(readCsvDataset(csv)).rejects.toThrow(/bad\.csv:2: expected "path,label"/);
  });

  it('rejects a class whose files are all missing', async () => {
    const csv = join(folder, 'missing-class.csv');
    writeFileSync(csv, 'img/one.jpg,cat\nimg/nope.jpg,dog\n');
    await expect(readCsvDataset(csv)).rejects.toThrow(/class "dog" has no existing image files/);
  });

  it('names a swapped header', async () => {
    const csv = join(folder, 'swapped.csv');
    writeFileSync(csv, 'label,path\ncat,img/one.jpg\n');
    await expect(readCsvDataset(csv)).rejects.toThrow(/swapped\.csv:1: the header is "label,path", but rows must be "path,label"; swap the two columns/);
  });

  it('skips a folder listed as an image', async () => {
    const csv = join(folder, 'folder-row.csv');
    writeFileSync(csv, 'img/one.jpg,cat\nimg/three.png,dog\nimg,dog\n');
    const dataset = await readCsvDataset(csv);
    expect(dataset.skipped).toEqual([{ path: join(folder, 'img'), reason: `a folder, not an image file (listed in ${csv})` }]);
  });

  it('rejects one image under two labels', async () => {
    const csv = join(folder, 'two-labels.csv');
    writeFileSync(csv, 'img/one.jpg,cat\nimg/three.png,dog\nimg/one.jpg,dog\n');
    await expect(readCsvDataset(csv)).rejects.toThrow(/one\.jpg is listed as both "cat" and "dog"; keep one of its rows/);
  });

  it('parses quoted fields', () => {
    expect(parseCsvLine('"a ""b"", c",d')).toEqual(['a "b", c', 'd']);
  });
});

describe('readDataset', () => {
  it('names the path when it does not exist', async () => {
    await expect(readDataset(join(root, 'nope'))).rejects.toThrow(/nope: data set not found/);
  });

  it('rejects a root of split folders', async () => {
    const splits = join(root, 'splits');
    touch(join(splits, 'train', 'ants', 'a.jpg'));
    touch(join(splits, 'val', 'ants', 'b.jpg'));
    await expect(readDataset(splits, 'my-data/')).rejects.toThrow(/^my-data\/: its subfolders \(train, val\) are data set splits, not classes; pass one split, for example my-data\/train$/);
  });

  it('rejects a lone test split folder', async () => {
    const lone = join(root, 'lone');
    touch(join(lone, 'Test', 'a.jpg'));
    await expect(readDataset(lone)).rejects.toThrow(/subfolders \(Test\) are data set splits, not classes; pass one split, for example \S*lone\/Test$/);
  });

  it('rejects a file that is not a CSV', async () => {
    await expect(readDataset(touch(join(root, 'x.txt')))).rejects.toThrow(/x\.txt: not a data set/);
  });
});

describe('collectImagePaths', () => {
  it('expands folders and keeps named files', async () => {
    const named = touch(join(root, 'loose', 'photo.unknown'));
    const result = await collectImagePaths([join(root, 'folder', 'dogs'), named]);
    expect(result.images).toEqual([join(root, 'folder', 'dogs', 'c.webp'), join(root, 'folder', 'dogs', 'link.bmp'), named]);
  });
});

describe('listing with links and special files', () => {
  const folder = join(root, 'links');
  touch(join(folder, 'a', 'one.jpg'));
  touch(join(folder, 'b', 'two.jpg'));
  symlinkSync(join(folder, 'a'), join(folder, 'a', 'loop'));
  symlinkSync(join(folder, 'missing.jpg'), join(folder, 'b', 'broken.jpg'));
  symlinkSync(join(folder, 'b', 'cycle2.jpg'), join(folder, 'b', 'cycle1.jpg'));
  symlinkSync(join(folder, 'b', 'cycle1.jpg'), join(folder, 'b', 'cycle2.jpg'));
  execFileSync('mkfifo', [join(folder, 'b', 'pipe.jpg')]);

  it('reads each image once and names what it skips', async () => {
    const dataset = await readImageFolder(folder);
    expect(dataset.images).toEqual([
      { path: join(folder, 'a', 'one.jpg'), label: 0 },
      { path: join(folder, 'b', 'two.jpg'), label: 1 },
    ]);
    expect(dataset.skipped).toEqual([
      { path: join(folder, 'a', 'loop'), reason: `a symbolic link back to ${join(folder, 'a')}, a folder above it (a loop)` },
      { path: join(folder, 'b', 'broken.jpg'), reason: 'a broken symbolic link' },
      { path: join(folder, 'b', 'cycle1.jpg'), reason: 'a loop of symbolic links' },
      { path: join(folder, 'b', 'cycle2.jpg'), reason: 'a loop of symbolic links' },
      { path: join(folder, 'b', 'pipe.jpg'), reason: 'not a regular file (a FIFO, socket or device)' },
    ]);
  });

  it('rejects a FIFO named as an image', async () => {
    await expect(collectImagePaths([join(folder, 'b', 'pipe.jpg')])).rejects.toThrow(
      `${join(folder, 'b', 'pipe.jpg')}: not a regular file (a FIFO, socket or device); pass image files or folders that contain images`,
    );
  });
});
