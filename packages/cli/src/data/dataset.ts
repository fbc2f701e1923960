/**
 * Labelled image sets: an ImageFolder tree (one subfolder per class, images found
 * recursively, class names sorted) or a CSV of `path,label` rows with paths
 * relative to the CSV's folder.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';

import { CliError } from '../errors';

export interface LabelledImage {
  path: string;
  /** Index into `classNames`. */
  label: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ImageDataset {
  /** The folder or CSV file it was read from. */
  source: string;
  classNames: string[];
  images: LabelledImage[];
  /** Files left out while listing (not images); decoding failures are added later. */
  skipped: SkippedFile[];
}

/** File extensions treated as images; others are skipped and reported. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.bmp', '.dib', '.gif', '.webp', '.tif', '.tiff']);

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** Orders names by UTF-16 code units, which for ASCII names is C-locale byte order. */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * Lists every non-hidden file under `folder`, recursively, in sorted order. Symbolic links are
 * followed, so data sets assembled from links work. Broken links, links back to a folder above
 * them (loops), and entries that are neither files nor folders (FIFOs, sockets) are left out.
 * They are added to `skipped` when it is given.
 */
export async function listFilesRecursively(folder: string, skipped?: SkippedFile[]): Promise<string[]> {
  return walkFolder(folder, new Set([await realpath(folder)]), skipped ?? []);
}

/** Lists the files under `folder`; `ancestors` contains the real paths of the folders above it and of itself. */
async function walkFolder(folder: string, ancestors: Set<string>, skipped: SkippedFile[]): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => compareNames(a.name, b.name));
  const files: string[] = [];

  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const path = join(folder, entry.name);
    let info: { isDirectory(): boolean; isFile(): boolean } = entry;
    if (entry.isSymbolicLink()) {
      try {
        info = await stat(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        skipped.push({ path, reason: code === 'ELOOP' ? 'a loop of symbolic links' : 'a broken symbolic link' });
        continue;
      }
    }

    if (info.isDirectory()) {
      const real = await realpath(path);
      if (ancestors.has(real)) {
        skipped.push({ path, reason: `a symbolic link back to ${real}, a folder above it (a loop)` });
        continue;
      }
      files.push(...(await walkFolder(path, new Set([...ancestors, real]), skipped)));
    } else if (info.isFile()) {
      files.push(path);
    } else {
      skipped.push({ path, reason: 'not a regular file (a FIFO, socket or device)' });
    }
  }
  return files;
}

/** Splits the image files from the rest, which are reported as skipped. */
function partitionImages(files: string[]): { images: string[]; skipped: SkippedFile[] } {
  const images: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) images.push(file);
    else skipped.push({ path: file, reason: `not an image file extension (${[...IMAGE_EXTENSIONS].join(' ')})` });
  }
  return { images, skipped };
}

function checkClassCount(source: string, classNames: string[]): void {
  if (classNames.length < 2) {
    const found = classNames.length === 0 ? 'no classes' : `only one class (${classNames[0]})`;
    throw new CliError(`${source}: found ${found}; a classifier needs at least two classes, each in its own subfolder or CSV label`);
  }
}

/** Folder names that mark a data set split rather than a class. */
const SPLIT_NAMES = new Set(['train', 'val', 'valid', 'validation', 'test']);

/**
 * Rejects a data set root whose class folders are all split names (train/, val/), because
 * reading it would train a classifier on the splits. `name` is the argument as the user typed it.
 */
function checkNotSplitRoot(name: string, classFolders: string[]): void {
  if (classFolders.length === 0 || !classFolders.every((folder) => SPLIT_NAMES.has(folder.toLowerCase()))) return;

  const split = classFolders.find((folder) => folder.toLowerCase() === 'train') ?? classFolders[0]!;
  const suggestion = `${name.replace(/[\\/]+$/, '')}/${split}`;
  throw new CliError(`${name}: its subfolders (${classFolders.join(', ')}) are data set splits, not classes; pass one split, for example ${suggestion}`);
}

/** Reads an ImageFolder tree: each subfolder of `root` is a class. `name` is how errors call `root`. */
export async function readImageFolder(root: string, name = root): Promise<ImageDataset> {
  const entries = await readdir(root, { withFileTypes: true });
  const classFolders: string[] = [];
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const isFolder = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(join(root, entry.name)).catch(() => undefined))?.isDirectory());
    if (isFolder) classFolders.push(entry.name);
  }
  classFolders.sort();
  checkNotSplitRoot(name, classFolders);
  checkClassCount(root, classFolders);

  const images: LabelledImage[] = [];
  const skipped: SkippedFile[] = [];
  for (const [label, className] of classFolders.entries()) {
    const folder = join(root, className);
    const partition = partitionImages(await listFilesRecursively(folder, skipped));
    if (partition.images.length === 0) {
      throw new CliError(`${folder}: class folder "${className}" has no images; add images or remove the folder`);
    }
    images.push(...partition.images.map((path) => ({ path, label })));
    skipped.push(...partition.skipped);
  }

  return { source: root, classNames: classFolders, images, skipped };
}

/** Splits one CSV line into fields, honouring double quotes ("" inside quotes is a quote). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;

  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields.map((value) => value.trim());
}

/** Reads a CSV of `path,label` rows; a first row `path,label` is taken as a header. */
export async function readCsvDataset(csvPath: string): Promise<ImageDataset> {
  const text = await readFile(csvPath, 'utf8');
  const folder = dirname(csvPath);
  const rows = text.split(/\r?\n/).map((line, index) => ({ line, number: index + 1 }));

  const entries: Array<{ path: string; label: string }> = [];
  const skipped: SkippedFile[] = [];
  for (const { line, number } of rows) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = parseCsvLine(line);
    if (number === 1 && fields[0]?.toLowerCase() === 'path' && fields[1]?.toLowerCase() === 'label') continue;
    if (number === 1 && fields[0]?.toLowerCase() === 'label' && fields[1]?.toLowerCase() === 'path') {
      throw new CliError(`${csvPath}:1: the header is "label,path", but rows must be "path,label"; swap the two columns`);
    }
    if (fields.length < 2 || fields[0] === '' || fields[1] === '') {
      throw new CliError(`${csvPath}:${number}: expected "path,label", got ${JSON.stringify(line)}`);
    }
    entries.push({ path: resolve(folder, fields[0]!), label: fields[1]! });
  }

  const classNames = [...new Set(entries.map((entry) => entry.label))].sort();
  checkClassCount(csvPath, classNames);

  const images: LabelledImage[] = [];
  const labelOf = new Map<string, string>();
  for (const entry of entries) {
    const info = await stat(entry.path).catch(() => undefined);
    if (!info?.isFile()) {
      const reason = info?.isDirectory() ? 'a folder, not an image file' : 'file not found';
      skipped.push({ path: entry.path, reason: `${reason} (listed in ${csvPath})` });
      continue;
    }
    // One image under two labels would pull the head both ways, so the second row is an error.
    const earlier = labelOf.get(entry.path);
    if (earlier !== undefined && earlier !== entry.label) {
      throw new CliError(`${csvPath}: ${entry.path} is listed as both "${earlier}" and "${entry.label}"; keep one of its rows`);
    }
    labelOf.set(entry.path, entry.label);
    images.push({ path: entry.path, label: classNames.indexOf(entry.label) });
  }

  for (const [label, className] of classNames.entries()) {
    if (!images.some((image) => image.label === label)) {
      throw new CliError(`${csvPath}: class "${className}" has no existing image files; fix the paths or remove its rows`);
    }
  }

  return { source: csvPath, classNames, images, skipped };
}

/** Reads a data set from a folder (ImageFolder) or a `.csv` file. `name` is how errors call it (a registry name). */
export async function readDataset(path: string, name = path): Promise<ImageDataset> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`${path}: data set not found; pass a folder with one subfolder per class, a CSV of path,label, or a registry name`);
  if (info.isDirectory()) return readImageFolder(path, name);
  if (extname(path).toLowerCase() === '.csv') return readCsvDataset(path);
  throw new CliError(`${path}: not a data set; pass a folder with one subfolder per class or a .csv file of path,label rows`);
}

/** Expands files and folders (recursively) into image paths, for `classify`. */
export async function collectImagePaths(paths: string[]): Promise<{ images: string[]; skipped: SkippedFile[] }> {
  const images: string[] = [];
  const skipped: SkippedFile[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new CliError(`${path}: file or folder not found; pass image files or folders that contain images`);
    if (info.isDirectory()) {
      const partition = partitionImages(await listFilesRecursively(path, skipped));
      images.push(...partition.images);
      skipped.push(...partition.skipped);
    } else if (info.isFile()) {
      // A file named explicitly is always tried, whatever its extension.
      images.push(path);
    } else {
      // Reading a FIFO would wait for a writer forever.
      throw new CliError(`${path}: not a regular file (a FIFO, socket or device); pass image files or folders that contain images`);
    }
  }
  return { images, skipped };
}

/** Returns `path` relative to `root` with forward slashes, for metadata and reports. */
export function displayPath(path: string, root: string): string {
  return relative(root, path).split('\\').join('/');
}
