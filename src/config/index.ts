/**
 * The one configuration schema: every environment variable the worker reads, validated at start-up. A bad value
 * stops the worker with a message naming the variable, what is wrong, and an example of a good value.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { alertVariables } from './alerts.js';
import { coreVariables } from './core.js';
import { metaOf, type VarMeta } from './env.js';
import { erpnextVariables } from './erpnext.js';
import { ledgerVariables } from './ledger.js';
import { netsuiteVariables } from './netsuite.js';
import { netsuiteRecordsVariables } from './netsuite-records.js';
import { opmsVariables } from './opms.js';
import { payamgostarVariables } from './payamgostar.js';
import { payamgostarSiaghVariables } from './payamgostar-siagh.js';
import { portalVariables } from './portals.js';
import { siaghVariables } from './siagh.js';

const variables = {
  ...coreVariables,
  ...erpnextVariables,
  ...ledgerVariables,
  ...netsuiteVariables,
  ...opmsVariables,
  ...portalVariables,
  ...payamgostarVariables,
  ...payamgostarSiaghVariables,
  ...siaghVariables,
  ...alertVariables,
  ...netsuiteRecordsVariables,
};

export const configSchema = z.object(variables);
export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; problem: string; example?: string }[]) {
    super(
      'The configuration is not valid:\n' +
        problems
          .map(
            (p) =>
              `  - ${p.variable}: ${p.problem}${p.example ? ` (for example ${p.variable}=${p.example})` : ''}`,
          )
          .join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Empty strings count as unset, as they do in most .env tooling. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v;
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(withoutBlanks(env));
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(configuration)');
      const meta = variableMeta(name);
      const received = env[name];
      const problem =
        received === undefined || received === ''
          ? `is required: ${meta?.description ?? issue.message}`
          : `${issue.message}${meta?.secret ? '' : ` (got "${received}")`}`;
      return { variable: name, problem, example: meta?.example };
    }),
  );
}

/** Reads ./.env into process.env when present; variables already set win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function variableMeta(name: string): VarMeta | undefined {
  const schema = (variables as Record<string, z.ZodType>)[name];
  return schema ? metaOf(schema) : undefined;
}

export function describeVariables(): { variable: string; meta: VarMeta }[] {
  return Object.entries(variables).flatMap(([variable, schema]) => {
    const meta = metaOf(schema as z.ZodType);
    return meta ? [{ variable, meta }] : [];
  });
}

/** Values of the secret variables, for log redaction by value as well as by path. */
export function secretValues(config: Config): string[] {
  return describeVariables()
    .filter((v) => v.meta.secret)
    .flatMap(({ variable }) => {
      const value = (config as Record<string, unknown>)[variable];
      if (Array.isArray(value)) return value.map(String);
      return value === undefined ? [] : [String(value)];
    })
    .filter((v) => v.length >= 4);
}
