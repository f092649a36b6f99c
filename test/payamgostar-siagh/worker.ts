/** A test worker running the Payamgostar → Siagh flow against both simulators, with the CRM's webhook wired to it. */
import { sql } from 'drizzle-orm';
import { payamgostarSiaghFeature } from '../../src/sync/payamgostar-siagh/feature.js';
import type { DatabaseKind } from '../helpers/databases.js';
import { startTestWorker, waitForRun, type TestWorker } from '../helpers/worker.js';
import { startPayamgostarSimulator, type PayamgostarSimulator } from '../sim/payamgostar/server.js';
import { startSiaghSim, type SiaghSimOptions, type SiaghSim } from '../sim/siagh/server.js';
import { until, webhookToken, workerEnv } from './harness.js';

export const base = '/api/sync/payamgostar-siagh';

export interface FlowWorker {
  tw: TestWorker;
  crmSim: PayamgostarSimulator;
  siaghSim: SiaghSim;
  /** Waits until every webhook sent so far was answered and every flow run it caused has ended. */
  settled(): Promise<void>;
  /** Runs a flow job through the control API and waits for its end. */
  runJob(path: string, body?: unknown): Promise<Awaited<ReturnType<typeof waitForRun>>>;
  events(runId: string): Promise<{ level: string; message: string; entity: string | null }[]>;
  stop(): Promise<void>;
}

export async function startFlowWorker(
  kind: DatabaseKind,
  options: { siagh?: SiaghSimOptions; env?: Record<string, string>; siaghNotifications?: boolean } = {},
): Promise<FlowWorker> {
  const [crmSim, siaghSim] = await Promise.all([
    startPayamgostarSimulator({ seed: 21 }),
    startSiaghSim({ seed: 13, contactCount: 30, adminCount: 2, ...options.siagh }),
  ]);
  const tw = await startTestWorker(kind, {
    features: [payamgostarSiaghFeature],
    env: { ...workerEnv(crmSim, siaghSim), ...options.env },
  });
  crmSim.webhooks.settings.url = `${tw.url}${base}/webhook?token=${webhookToken}`;
  crmSim.webhooks.settings.enabled = true;
  if (options.siaghNotifications)
    siaghSim.notifications.settings.url = `${tw.url}${base}/webhook/siagh?token=${webhookToken}`;

  const busyRuns = async () =>
    (
      await tw.database.db.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM sync_runs WHERE job LIKE 'payamgostar-siagh.%' AND status IN ('queued', 'running')`,
      )
    ).rows[0]!.n;
  const settled = async () => {
    // A run's write fires a webhook whose run may write again: settle until a whole round finds nothing to do.
    for (let quiet = 0; quiet < 2;) {
      await crmSim.webhooks.idle();
      await siaghSim.notifications.idle();
      await until('the flow runs to end', async () => ((await busyRuns()) === 0 ? true : undefined), 30_000);
      const more = crmSim.webhooks.deliveries.some((d) => !d.dropped && d.status === undefined && !d.error);
      quiet = more ? 0 : quiet + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    tw,
    crmSim,
    siaghSim,
    settled,
    async runJob(path, body = {}) {
      const res = await tw.api(`${base}${path}`, { method: 'POST', json: body });
      if (res.status !== 202) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
      const { runId } = (await res.json()) as { runId: string };
      return waitForRun(tw, runId, 60_000);
    },
    async events(runId) {
      const rows = await tw.database.db.execute<{ level: string; message: string; entity: string | null }>(
        sql`SELECT level, message, entity FROM sync_run_events WHERE run_id = ${runId} ORDER BY id`,
      );
      return rows.rows;
    },
    async stop() {
      await tw.stop();
      await Promise.all([crmSim.close(), siaghSim.close()]);
    },
  };
}
