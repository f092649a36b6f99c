/**
 * Resident memory of the Chromium processes this worker started, read from /proc (Linux): Chromium runs as a tree of
 * child processes the Node heap knows nothing about, and it is usually the largest part of the worker's footprint.
 */
import { readdir, readFile } from 'node:fs/promises';

interface ProcessInfo {
  pid: number;
  parent: number;
  name: string;
  residentBytes: number;
}

async function readProcess(pid: number): Promise<ProcessInfo | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(status)?.[1]?.trim() ?? '';
    return {
      pid,
      parent: Number(field('PPid')),
      name: field('Name'),
      residentBytes: Number(/^(\d+)/.exec(field('VmRSS'))?.[1] ?? 0) * 1024,
    };
  } catch {
    // The process ended between listing and reading it.
    return null;
  }
}

/** Sum of resident memory of the Chromium processes below `root`, with how many there are; null off Linux. */
export async function chromiumMemory(
  root = process.pid,
): Promise<{ residentBytes: number; processes: number } | null> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  const all = (
    await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => readProcess(Number(e))))
  ).filter((p): p is ProcessInfo => p !== null);
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.parent, [...(children.get(p.parent) ?? []), p]);
  let residentBytes = 0;
  let processes = 0;
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const p = queue.pop()!;
    queue.push(...(children.get(p.pid) ?? []));
    if (/chrom|headless_shell/i.test(p.name)) {
      residentBytes += p.residentBytes;
      processes += 1;
    }
  }
  return { residentBytes, processes };
}
