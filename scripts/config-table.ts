/**
 * Regenerates the configuration table in README.md from the configuration schema, so the README cannot drift from
 * what the worker accepts: `npx tsx scripts/config-table.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configSchema, describeVariables } from '../src/config/index.js';

const defaults = configSchema.parse({}) as Record<string, unknown>;
const rows = describeVariables().map(({ variable, meta }) => {
  const value = defaults[variable];
  const shown =
    value === undefined || (Array.isArray(value) && value.length === 0)
      ? '—'
      : `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `| \`${variable}\` | ${shown} | ${cell(meta.description)}${meta.secret ? ' *(secret)*' : ''} | \`${cell(meta.example)}\` |`;
});
const table = ['| Variable | Default | Meaning | Example |', '|---|---|---|---|', ...rows].join('\n');
const readme = readFileSync('README.md', 'utf8');
const updated = readme.replace(
  /<!-- config-table -->[\s\S]*<!-- \/config-table -->/,
  `<!-- config-table -->\n${table}\n<!-- /config-table -->`,
);
writeFileSync('README.md', updated);
