/** Shared set-up of the NetSuite tests: keys, the simulator, a MariaDB with the OPMS tables seeded from the simulator's items. */
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config/index.js';
import { defaultPriceFieldMappings } from '../../src/config/netsuite.js';
import { NetSuiteClient } from '../../src/connectors/netsuite/client.js';
import { OAuth2ClientCredentialsAuth, TokenBasedAuth } from '../../src/connectors/netsuite/auth.js';
import { OpmsDatabase } from '../../src/connectors/opms/client.js';
import { defaultOpmsTables } from '../../src/connectors/opms/settings.js';
import type { Database } from '../../src/db/database.js';
import type { PriceSyncDeps } from '../../src/sync/netsuite-to-opms/passes.js';
import { startNetSuiteSim, type NetSuiteSim, type NetSuiteSimOptions } from '../sim/netsuite/server.js';
import type { SimItem } from '../sim/netsuite/items.js';
import { createOpmsSchema, seedOpmsItems, type OpmsSeedItem } from '../sim/opms/schema.js';

export const silentLog = pino({ level: 'silent' });

export const rsaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const ecKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export const oauth2 = { clientId: 'client-abc', certificateId: 'cert-kid-1' };
export const tba = {
  consumerKey: 'ck-123',
  consumerSecret: 'cs-456',
  tokenId: 'tk-789',
  tokenSecret: 'ts-012',
};

export function simWithAuth(options: NetSuiteSimOptions = {}): Promise<NetSuiteSim> {
  return startNetSuiteSim({
    oauth2: { ...oauth2, publicKey: rsaKeys.publicKey, ...options.oauth2 },
    tba,
    ...options,
  });
}

export function oauth2Client(
  sim: NetSuiteSim,
  overrides: Partial<ConstructorParameters<typeof NetSuiteClient>[0]> = {},
  keys = rsaKeys,
  algorithm: 'PS256' | 'ES256' = 'PS256',
) {
  return new NetSuiteClient({
    accountId: sim.accountId,
    baseUrl: sim.url,
    auth: new OAuth2ClientCredentialsAuth(
      { ...oauth2, privateKey: keys.privateKey, algorithm, scopes: 'rest_webservices' },
      `${sim.url}/services/rest/auth/oauth2/v1/token`,
    ),
    requestsPerSecond: 100,
    concurrency: 5,
    retry: { maxRetries: 6, baseDelayMs: 10, maxDelayMs: 200 },
    ...overrides,
  });
}

export function tbaClient(
  sim: NetSuiteSim,
  overrides: Partial<ConstructorParameters<typeof NetSuiteClient>[0]> = {},
) {
  return new NetSuiteClient({
    accountId: sim.accountId,
    baseUrl: sim.url,
    auth: new TokenBasedAuth({ accountId: sim.accountId, ...tba }),
    requestsPerSecond: 100,
    concurrency: 5,
    retry: { maxRetries: 6, baseDelayMs: 10, maxDelayMs: 200 },
    ...overrides,
  });
}

/** OPMS rows for the simulator's items: one product per item, stale prices so the first sync has work to do. */
export function opmsRowsFor(items: SimItem[]): OpmsSeedItem[] {
  return items.map((item, n) => ({
    code: item.itemid,
    productId: 10_000 + n,
    p_res_cut: 1,
    p_hosp_roll: 2,
    cost_cut: 3,
    cost_roll: 4,
  }));
}

export async function seedOpms(url: string, items: SimItem[]): Promise<void> {
  await createOpmsSchema(url);
  await seedOpmsItems(url, opmsRowsFor(items));
}

export function syncDeps(
  db: Database,
  client: NetSuiteClient,
  opms: OpmsDatabase,
  overrides: Partial<PriceSyncDeps> = {},
): PriceSyncDeps {
  return {
    db,
    netsuite: client,
    opms,
    rules: { fields: defaultPriceFieldMappings, maxValue: 100_000 },
    query: {
      fields: defaultPriceFieldMappings,
      skipField: 'custitemf3_lisa_item',
      itemTypes: ['InvtPart'],
      timeZone: 'America/Los_Angeles',
    },
    pageSize: 25,
    overlapMs: 10 * 60 * 1000,
    ...overrides,
  };
}

export function opmsDatabase(url: string, writesPerSecond = 1000): OpmsDatabase {
  return new OpmsDatabase({
    url,
    tables: defaultOpmsTables,
    writesPerSecond,
    batchSize: 500,
    retries: 3,
    retryBaseMs: 10,
  });
}

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULES_ENABLED: 'false', ...env });
}
