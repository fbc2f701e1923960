/**
 * Data sets by name, with optional split (`hymenoptera/train`). A name resolves to
 * the first of: the data sets folder (`OFFSHELF_DATASETS`), the user cache, or a
 * download of the public zip (or of `OFFSHELF_MIRROR/datasets/<zip name>`), unpacked
 * into the cache and verified file by file. A cached data set is verified again on every use.
 * A path to an existing file or folder always wins over a name.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';

import { unzipSync } from 'fflate';

import { listFilesRecursively } from '../data/dataset';
import { CliError } from '../errors';
import { createFolder, temporaryPathFor, trackTemporaryFile } from '../io/atomic-write';
import { downloadFile, manualFetchHint } from './download';
import { sha256File, sha256Hex } from './hash';
import { cacheFolder, datasetsFolder, isOffline, mirrorUrl, type Environment } from './paths';

export interface DatasetEntry {
  name: string;
  /** Folder name under the data sets folder and under `<cache>/datasets`. */
  folder: string;
  url?: string;
  /** Folder inside the zip that contains the data set (stripped when unpacking). */
  zipRoot?: string;
  /** {@link treeSha256} of the unpacked folder. */
  treeSha256: string;
  splits: string[];
  description: string;
}

// NOTE: the zip was not fetched from this machine (it has no network access). The digest
// is of the unpacked files, computed from a copy of the data set, so the zip's own bytes
// (compression, timestamps) do not matter, but any extra file in it would fail the check.
export const DATASET_REGISTRY: readonly DatasetEntry[] = [
  {
    name: 'hymenoptera',
    folder: 'hymenoptera',
    url: 'https://download.pytorch.org/tutorial/hymenoptera_data.zip',
    zipRoot: 'hymenoptera_data',
    treeSha256: 'b0e3506710bc375be5996e1c9b29818c80cdfc19bcc324e560091da6690149ec',
    splits: ['train', 'val'],
    description: 'ants vs bees, 245 training and 153 validation JPEGs from ImageNet',
  },
];

/**
 * Returns the SHA-256 over a folder's files: one line `<file SHA-256>  <relative path>\n`
 * per file, sorted by path, the same text as `find . -type f | sort | xargs sha256sum`
 * prints under LC_ALL=C (with the leading `./` removed). Hidden files are left out.
 */
export async function treeSha256(folder: string): Promise<string> {
  const files = await listFilesRecursively(folder);
  const lines: string[] = [];
  for (const file of files) {
    lines.push(`${await sha256File(file)}  ${relative(folder, file).split('\\').join('/')}\n`);
  }
  // Byte order of the paths (after the 64-digit hash and two spaces), as LC_ALL=C sort uses.
  lines.sort((a, b) => {
    const pathA = a.slice(66);
    const pathB = b.slice(66);
    if (pathA === pathB) return 0;
    return pathA < pathB ? -1 : 1;
  });
  return sha256Hex(lines.join(''));
}

export interface ResolveDatasetOptions {
  env?: Environment;
  registry?: readonly DatasetEntry[];
  quiet?: boolean;
}

/** Splits `name/split` into the registry entry and the split, if `spec` is a registry name. */
function parseDatasetName(spec: string, registry: readonly DatasetEntry[]): { entry: DatasetEntry; split?: string } | undefined {
  const [name, ...rest] = spec.split('/');
  const entry = registry.find((known) => known.name === name);
  if (!entry) return undefined;
  const split = rest.join('/');
  return split ? { entry, split } : { entry };
}

/**
 * Unpacks a zip into `folder`, dropping `zipRoot/` from each path and skipping macOS metadata.
 * Returns the number of files written.
 */
async function unpackZip(zipBytes: Uint8Array, folder: string, zipRoot: string | undefined): Promise<number> {
  const files = unzipSync(zipBytes);
  let written = 0;
  for (const [name, content] of Object.entries(files)) {
    if (name.endsWith('/') || name.startsWith('__MACOSX/')) continue;
    let path = name;
    if (zipRoot) {
      if (!path.startsWith(`${zipRoot}/`)) continue;
      path = path.slice(zipRoot.length + 1);
    }
    const target = resolve(folder, path);
    if (!target.startsWith(resolve(folder) + '/')) throw new CliError(`zip entry ${name} points outside the target folder; the archive is unsafe`);
    await createFolder(dirname(target));
    await writeFile(target, content);
    written++;
  }
  return written;
}

/** Returns where a data set's zip downloads from: `OFFSHELF_MIRROR/datasets/<zip name>`, else its public URL. */
export function datasetUrl(entry: DatasetEntry, env: Environment = process.env): string | undefined {
  const mirror = mirrorUrl(env);
  if (!mirror) return entry.url;
  const zipName = entry.url ? basename(new URL(entry.url).pathname) : `${entry.folder}.zip`;
  return `${mirror}/datasets/${zipName}`;
}

/**
 * Unpacks and verifies a data set into `destination`, from `<destination>.zip` when
 * one was put there by hand, else from a download of `url` (removed afterwards).
 */
async function installDataset(entry: DatasetEntry, url: string | undefined, destination: string, quiet: boolean | undefined): Promise<void> {
  const zipPath = `${destination}.zip`;
  const downloaded = !existsSync(zipPath);
  if (downloaded) await downloadFile({ url: url!, destination: zipPath, label: `data set ${entry.name}`, quiet });

  const unpackFolder = temporaryPathFor(destination);
  const untrack = trackTemporaryFile(unpackFolder);
  try {
    const written = await unpackZip(await readFile(zipPath), unpackFolder, entry.zipRoot);
    if (written === 0) {
      const where = entry.zipRoot ? `under ${entry.zipRoot}/` : 'at all';
      throw new CliError(`the archive of data set ${entry.name} from ${url ?? zipPath} has no files ${where}, so it is not the data set's archive; nothing was cached`);
    }
    const digest = await treeSha256(unpackFolder);
    if (digest !== entry.treeSha256) {
      throw new CliError(
        `data set ${entry.name} from ${url ?? zipPath} has content SHA-256 ${digest}, expected ${entry.treeSha256}; ` +
          `nothing was cached. The archive changed upstream or was corrupted: unpack a verified copy into ${destination}`,
      );
    }
    try {
      await rename(unpackFolder, destination);
    } catch (error) {
      // Another process that fetched the same data set renamed its verified copy into place first.
      if (!existsSync(destination)) throw error;
    }
  } finally {
    untrack();
    await rm(unpackFolder, { recursive: true, force: true });
    if (downloaded) await rm(zipPath, { force: true });
  }
}

/** Resolves a data set argument (a path, or a registry name with optional split) to a local path. */
export async function resolveDataset(spec: string, options: ResolveDatasetOptions = {}): Promise<string> {
  if (existsSync(spec)) return resolve(spec);

  const env = options.env ?? process.env;
  const registry = options.registry ?? DATASET_REGISTRY;
  const parsed = parseDatasetName(spec, registry);
  if (!parsed) {
    const names = registry.flatMap((entry) => [entry.name, ...entry.splits.map((split) => `${entry.name}/${split}`)]).join(', ');
    throw new CliError(`${spec}: no such file or folder and not a registry data set; pass a folder, a .csv file or one of: ${names}`);
  }
  const { entry, split } = parsed;
  if (split !== undefined && !entry.splits.includes(split)) {
    throw new CliError(`${spec}: data set ${entry.name} has no split "${split}"; use one of: ${entry.splits.join(', ')}`);
  }

  const withSplit = (root: string) => (split ? join(root, split) : root);
  const localFolder = datasetsFolder(env);
  if (localFolder && existsSync(join(localFolder, entry.folder))) return withSplit(join(localFolder, entry.folder));

  const cachedFolder = join(cacheFolder(env), 'datasets', entry.folder);
  if (existsSync(cachedFolder)) {
    // Checked on every use, as cached models are: about 0.25 s for the 398 files of hymenoptera.
    const digest = await treeSha256(cachedFolder);
    if (digest !== entry.treeSha256) {
      throw new CliError(
        `the cached data set ${entry.name} at ${cachedFolder} has content SHA-256 ${digest}, expected ${entry.treeSha256}, so files in it were changed, ` +
          'added or removed; delete the folder to download it again, or pass your own copy as a folder path instead of the registry name',
      );
    }
    return withSplit(cachedFolder);
  }

  const placesLooked = [localFolder && join(localFolder, entry.folder), cachedFolder].filter(Boolean).join(' or ');
  const url = datasetUrl(entry, env);
  if (existsSync(`${cachedFolder}.zip`) || (url && !isOffline(env))) {
    await installDataset(entry, url, cachedFolder, options.quiet);
    return withSplit(cachedFolder);
  }

  const fix = url ? `${manualFetchHint({ url, destination: `${cachedFolder}.zip` })}; the next run unpacks and verifies it` : `put it at ${cachedFolder}`;
  throw new CliError(`data set ${entry.name} was not found in ${placesLooked}${isOffline(env) ? ' and OFFSHELF_OFFLINE=1' : ''}: ${fix}`);
}
