import { readdirSync, readFileSync } from 'node:fs';

function readProcFile(pid: number, name: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    // The process exited between listing and reading, or /proc is not readable.
    return null;
  }
}

function parentPid(stat: string): number {
  // /proc/PID/stat is "pid (comm) state ppid …", and comm may contain spaces and brackets.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Sums the proportional set size (PSS) of the processes whose command line contains `marker`
 * and of all their descendants, in bytes. PSS splits each shared page between the processes
 * that map it, so the sum does not count Chromium's shared binary once per process as an RSS
 * sum would. Returns null where /proc is unavailable (not Linux) or no process matches.
 */
export function processTreePssBytes(marker: string): number | null {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return null;
  }

  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const pid of pids) {
    const stat = readProcFile(pid, 'stat');
    if (stat === null) continue;
    const parent = parentPid(stat);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
    if (readProcFile(pid, 'cmdline')?.includes(marker)) roots.push(pid);
  }
  if (roots.length === 0) return null;

  const tree = new Set<number>();
  const pending = [...roots];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (tree.has(pid)) continue;
    tree.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }

  let totalKilobytes = 0;
  for (const pid of tree) {
    const match = readProcFile(pid, 'smaps_rollup')?.match(/^Pss:\s+(\d+) kB/m);
    if (match) totalKilobytes += Number(match[1]);
  }
  return totalKilobytes * 1024;
}
