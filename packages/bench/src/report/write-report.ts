import { readFile, rename, writeFile } from 'node:fs/promises';

export const REPORT_START = '<!-- bench:engines:start -->';
export const REPORT_END = '<!-- bench:engines:end -->';

/**
 * Writes the engine report into `path` between the report markers, keeping the
 * hand-written sections around them (kernel and head figures). A file without
 * markers gets the report appended. The write goes to a temporary file first
 * and is renamed into place, so an interrupted run leaves the old page whole.
 */
export async function writeEngineReport(path: string, report: string): Promise<void> {
  const block = `${REPORT_START}\n${report.trimEnd()}\n${REPORT_END}\n`;
  const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });

  const start = existing.indexOf(REPORT_START);
  const end = existing.indexOf(REPORT_END);
  let page: string;
  if (start >= 0 && end > start) {
    page = existing.slice(0, start) + block + existing.slice(end + REPORT_END.length).replace(/^\n/, '');
  } else {
    page = existing ? `${existing.trimEnd()}\n\n${block}` : block;
  }

  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, page);
  await rename(temporary, path);
}
