/**
 * Memory and CPU time of a process tree (the worker and its Chromium), read from /proc, for the benchmarks that drive
 * a browser. Chromium starts and ends renderer processes all the time, so the tree is sampled while the run goes on:
 * the peak memory is the largest sum seen, and a process's CPU time is the last value seen before it ended.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessSample {
  ppid: number;
  rssBytes: number;
  cpuSeconds: number;
}

const clockTicksPerSecond = 100;
const pageSize = 4096;

function sampleAll(): Map<number, ProcessSample> {
  const samples = new Map<number, ProcessSample>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command name, which is in parentheses and may hold spaces: state, ppid, … utime (14th
      // field of the line), stime (15th), … rss in pages (24th).
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      samples.set(Number(entry), {
        ppid: Number(fields[1]),
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond,
        rssBytes: Number(fields[21]) * pageSize,
      });
    } catch {
      // The process ended while we looked.
    }
  }
  return samples;
}

/** The samples of `rootPid` and all its descendants, by pid. */
function treeOf(rootPid: number): Map<number, ProcessSample> {
  const samples = sampleAll();
  const children = new Map<number, number[]>();
  for (const [pid, sample] of samples) children.set(sample.ppid, [...(children.get(sample.ppid) ?? []), pid]);
  const tree = new Map<number, ProcessSample>();
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const sample = samples.get(pid);
    if (sample) tree.set(pid, sample);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

export interface ProcessTreeUsage {
  peakRssBytes: number;
  /** CPU time of the descendants (Chromium) since monitoring started; the root's own is process.cpuUsage(). */
  descendantsCpuSeconds: number;
}

/** Samples the tree under `rootPid` every `intervalMs` until `stop()`. */
export function monitorProcessTree(rootPid: number, intervalMs = 250): { stop(): ProcessTreeUsage } {
  const atStart = new Map<number, number>();
  const lastSeen = new Map<number, number>();
  let peakRssBytes = 0;
  const sample = () => {
    let rss = 0;
    for (const [pid, p] of treeOf(rootPid)) {
      rss += p.rssBytes;
      if (pid !== rootPid) lastSeen.set(pid, p.cpuSeconds);
    }
    peakRssBytes = Math.max(peakRssBytes, rss);
  };
  for (const [pid, p] of treeOf(rootPid)) if (pid !== rootPid) atStart.set(pid, p.cpuSeconds);
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let cpu = 0;
      for (const [pid, seconds] of lastSeen) cpu += seconds - (atStart.get(pid) ?? 0);
      return { peakRssBytes, descendantsCpuSeconds: cpu };
    },
  };
}
