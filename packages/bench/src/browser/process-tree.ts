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
 * Finds the processes whose command line contains `marker` and all their descendants, from
 * /proc. Returns an empty list where /proc is unavailable (not Linux) or no process matches.
 */
export function findProcessTree(marker: string): number[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
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

  const tree = new Set<number>();
  const pending = [...roots];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (tree.has(pid)) continue;
    tree.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return [...tree];
}

/**
 * Sums the proportional set size (PSS) of the processes that `findProcessTree` finds for
 * `marker`, in bytes. PSS splits each shared page between the processes that map it, so the sum
 * does not count Chromium's shared binary once per process as an RSS sum would. Returns null
 * where /proc is unavailable (not Linux) or no process matches.
 */
export function processTreePssBytes(marker: string): number | null {
  const tree = findProcessTree(marker);
  if (tree.length === 0) return null;

  let totalKilobytes = 0;
  for (const pid of tree) {
    const match = readProcFile(pid, 'smaps_rollup')?.match(/^Pss:\s+(\d+) kB/m);
    if (match) totalKilobytes += Number(match[1]);
  }
  return totalKilobytes * 1024;
}

/** Sends SIGKILL to each process that `findProcessTree` finds for `marker`, and returns their ids. */
export function killProcessTree(marker: string): number[] {
  const tree = findProcessTree(marker);
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // The process exited since it was listed.
    }
  }
  return tree;
}
