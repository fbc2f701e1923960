import { readFile, rename, writeFile } from 'node:fs/promises';

export const REPORT_START = '<!-- bench:engines:start -->';
export const REPORT_END = '<!-- bench:engines:end -->';
export const KERNEL_REPORT_START = '<!-- bench:kernels:start -->';
export const KERNEL_REPORT_END = '<!-- bench:kernels:end -->';

/**
 * Writes `report` into `path` between the `start` and `end` markers, keeping the hand-written
 * sections around them. A file without the markers gets the report appended. The write goes to
 * a temporary file first and is renamed into place, so an interrupted run leaves the old page whole.
 */
export async function writeMarkedSection(path: string, report: string, start: string, end: string): Promise<void> {
  const block = `${start}\n${report.trimEnd()}\n${end}\n`;
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });

  const startAt = existing.indexOf(start);
  const endAt = existing.indexOf(end);
  let page: string;
  if (startAt >= 0 && endAt > startAt) {
    page = existing.slice(0, startAt) + block + existing.slice(endAt + end.length).replace(/^\n/, '');
  } else {
    page = existing ? `${existing.trimEnd()}\n\n${block}` : block;
  }

  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, page);
  await rename(temporary, path);
}

/** Writes the engine report between its markers (see writeMarkedSection). */
export function writeEngineReport(path: string, report: string): Promise<void> {
  return writeMarkedSection(path, report, REPORT_START, REPORT_END);
}

/** Writes the kernel report between its markers (see writeMarkedSection). */
export function writeKernelReport(path: string, report: string): Promise<void> {
  return writeMarkedSection(path, report, KERNEL_REPORT_START, KERNEL_REPORT_END);
}
