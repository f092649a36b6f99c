/**
 * Both simulators and the flow's dependencies aimed at them, fast enough for tests (no rate limit of our own, short
 * backoffs): for tests that drive the flow's functions directly, and the environment for a whole test worker.
 */
import pino from 'pino';
import { PayamgostarClient } from '../../src/connectors/payamgostar/client.js';
import { siaghPasswordHash } from '../../src/connectors/siagh/auth.js';
import { SiaghClient } from '../../src/connectors/siagh/client.js';
import type { SiaghSettings } from '../../src/connectors/siagh/settings.js';
import type { Database } from '../../src/db/database.js';
import { beginRun } from '../../src/jobs/runs.js';
import type { RunContext, RunStatus } from '../../src/jobs/types.js';
import {
  CreatedRecords,
  RecordLocks,
  type FlowDeps,
  type FlowSettings,
} from '../../src/sync/payamgostar-siagh/context.js';
import { settingsFor as crmSettingsFor } from '../payamgostar/harness.js';
import type { PayamgostarSimulator } from '../sim/payamgostar/server.js';
import type { SiaghSim } from '../sim/siagh/server.js';

export const silentLog = pino({ level: 'silent' });
export const webhookToken = 'test-webhook-token-0123456789';
export const lookupPath = '/api/Sgh/SL/Sl_Sanad/GetAll';

export function siaghSettingsFor(sim: SiaghSim, overrides: Partial<SiaghSettings> = {}): SiaghSettings {
  return {
    baseUrl: sim.url,
    userName: sim.users[0]!.userName,
    passwordHash: siaghPasswordHash(sim.users[0]!.password),
    timeZone: 'Asia/Tehran',
    requestsPerSecond: 1000,
    concurrency: 4,
    timeoutMs: 5000,
    retries: 3,
    retryBaseMs: 10,
    preInvoiceLookupPath: lookupPath,
    ...overrides,
  };
}

export function flowDeps(
  db: Database,
  crmSim: PayamgostarSimulator,
  siaghSim: SiaghSim,
  overrides: { settings?: Partial<FlowSettings>; siagh?: Partial<SiaghSettings> } = {},
): FlowDeps {
  return {
    db,
    crm: new PayamgostarClient(crmSettingsFor(crmSim)),
    siagh: new SiaghClient(siaghSettingsFor(siaghSim, overrides.siagh)),
    log: silentLog,
    locks: new RecordLocks(),
    created: new CreatedRecords(),
    settings: {
      customerNumbers: { prefix: '100-', offset: 1000 },
      echoWindowMs: 10_000,
      importParallelism: 4,
      pollRecheck: 100,
      pendingStaleMs: 120_000,
      ...overrides.settings,
    },
  };
}

export async function stopDeps(deps: FlowDeps | undefined): Promise<void> {
  await deps?.crm.stop();
  await deps?.siagh.stop();
}

/** Runs `work` as a recorded run and returns how it ended. */
export async function recordedRun(
  db: Database,
  job: string,
  work: (ctx: RunContext) => Promise<unknown>,
): Promise<{ status: RunStatus; runId: string; counters: Record<string, number>; error?: unknown }> {
  const recorder = await beginRun(db, silentLog, {
    job,
    trigger: 'manual',
    signal: new AbortController().signal,
  });
  let error: unknown;
  try {
    await work(recorder);
  } catch (caught) {
    error = caught;
  }
  const status = await recorder.finish(error);
  return { status, runId: recorder.runId, counters: { ...recorder.counters }, error };
}

/** The environment of a test worker running the flow against both simulators. */
export function workerEnv(crmSim: PayamgostarSimulator, siaghSim: SiaghSim): Record<string, string> {
  return {
    PAYAMGOSTAR_URL: crmSim.url,
    PAYAMGOSTAR_USERNAME: crmSim.username,
    PAYAMGOSTAR_PASSWORD: crmSim.password,
    PAYAMGOSTAR_REQUESTS_PER_SECOND: '1000',
    PAYAMGOSTAR_RETRY_BASE_MS: '10',
    PAYAMGOSTAR_TIMEOUT_MS: '5000',
    SIAGH_URL: siaghSim.url,
    SIAGH_USERNAME: siaghSim.users[0]!.userName,
    SIAGH_PASSWORD: siaghSim.users[0]!.password,
    SIAGH_REQUESTS_PER_SECOND: '1000',
    SIAGH_RETRY_BASE_MS: '10',
    SIAGH_TIMEOUT_MS: '5000',
    PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN: webhookToken,
  };
}

/** Waits for `probe` to return a value (not undefined). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The simulator's contact form saves (creates and updates). */
export function contactSaves(sim: SiaghSim) {
  return sim.requests.filter(
    (r) =>
      r.path === '/BpmsApi/SaveFormData' && (r.body as { formId?: string } | undefined)?.formId === '2BFDA',
  );
}
