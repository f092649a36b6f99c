/**
 * Regenerates the configuration table in README.md from the configuration schema, so the README cannot drift from
 * what the worker accepts: `npx tsx scripts/config-table.ts`. With `--check` it changes nothing and fails when the
 * README's table is not what the schema gives (CI runs this through `npm run lint`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { configSchema, describeVariables } from '../src/config/index.js';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const markers = /<!-- config-table -->[\s\S]*<!-- \/config-table -->/;

function configTable(): string {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = describeVariables().map(({ variable, meta }) => {
    const value = defaults[variable];
    const shown =
      value === undefined || (Array.isArray(value) && value.length === 0)
        ? '—'
        : `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
    return `| \`${variable}\` | ${shown} | ${cell(meta.description)}${meta.secret ? ' _(secret)_' : ''} | \`${cell(meta.example)}\` |`;
  });
  return ['| Variable | Default | Meaning | Example |', '|---|---|---|---|', ...rows].join('\n');
}

const readme = readFileSync(readmePath, 'utf8');
if (!markers.test(readme))
  throw new Error(`${readmePath} has no <!-- config-table --> … <!-- /config-table --> block`);
const generated = readme.replace(markers, `<!-- config-table -->\n${configTable()}\n<!-- /config-table -->`);
// The README is kept in Prettier's layout (`npm run format:check`), so the table is written in it too.
const updated = await prettier.format(generated, {
  ...(await prettier.resolveConfig(readmePath)),
  filepath: readmePath,
});

if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error(
      'README.md: the configuration table differs from the schema; run `npx tsx scripts/config-table.ts`.',
    );
    process.exit(1);
  }
} else {
  writeFileSync(readmePath, updated);
}
