/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints one table.
 * Speed and memory targets live here, never in timed tests: the machines are shared and noisy.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchRow } from './types.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  const bench = (await import(`./${file}`)).default as Benchmark;
  process.stderr.write(`running ${bench.name}…\n`);
  try {
    rows.push(...(await bench.run()));
  } catch (error) {
    rows.push({ benchmark: bench.name, measure: 'error', value: String((error as Error).message ?? error) });
  }
}

const header = ['benchmark', 'database', 'measure', 'value', 'goal', 'note'] as const;
const table = rows.map((r) => [
  r.benchmark,
  r.database ?? '',
  r.measure,
  String(r.value),
  r.goal ?? '',
  r.note ?? '',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: readonly string[]) =>
  '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table) console.log(line(row));
