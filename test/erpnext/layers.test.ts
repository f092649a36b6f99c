/**
 * The customer slice is a one-way stack: the ERPNext connector knows only ERPNext, the customer domain knows neither
 * the connector nor the flow, and the flow sits on both. An import running back up would bring the cycle back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module a folder's files import, as paths under src/ (relative imports only: packages are not layers). */
function importsOf(folder: string): { file: string; target: string }[] {
  const out: { file: string; target: string }[] = [];
  for (const name of readdirSync(join(src, folder)).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(src, folder, name), 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g))
      out.push({
        file: `${folder}/${name}`,
        target: relative(src, resolve(src, folder, match[1]!)).replaceAll('\\', '/'),
      });
  }
  return out;
}

const into = (imports: { file: string; target: string }[], folders: string[]) =>
  imports
    .filter((i) => folders.some((f) => i.target.startsWith(`${f}/`)))
    .map((i) => `${i.file} → ${i.target}`);

describe('customer slice layers', () => {
  it('keeps the ERPNext connector free of domain folders and the database', () => {
    const upward = into(importsOf('connectors/erpnext'), [
      'customers',
      'sync',
      'ledger',
      'scrapers',
      'db',
      'models',
    ]);
    expect(upward).toEqual([]);
  });

  it('keeps the customer domain below the flows and the connectors', () => {
    expect(into(importsOf('customers'), ['sync', 'connectors'])).toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(into(importsOf('sync/erpnext-customers'), ['customers', 'connectors']).length).toBeGreaterThan(0);
  });
});
