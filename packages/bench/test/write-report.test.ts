import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { REPORT_END, REPORT_START, writeEngineReport } from '../src/report/write-report';

describe('writeEngineReport', () => {
  it('replaces only the marked section', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'offshelf-report-')), 'benchmarks.md');
    await writeFile(path, `# Page\n\nintro\n\n${REPORT_START}\nold figures\n${REPORT_END}\n\n## Kernels\n\nkept\n`);

    await writeEngineReport(path, '### Results\n\nnew figures\n');

    const page = await readFile(path, 'utf8');
    expect(page).toContain('intro');
    expect(page).toContain('## Kernels\n\nkept');
    expect(page).toContain('new figures');
    expect(page).not.toContain('old figures');
  });

  it('creates a missing page', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'offshelf-report-')), 'benchmarks.md');
    await writeEngineReport(path, 'figures');
    expect(await readFile(path, 'utf8')).toBe(`${REPORT_START}\nfigures\n${REPORT_END}\n`);
  });
});
