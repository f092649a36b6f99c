/**
 * A whole worker with the customers feature, wired to an ERPNext simulator whose webhooks point back at the worker:
 * the setup every customer sync scenario starts from.
 */
import { and, count, eq, inArray, lte } from 'drizzle-orm';
import { dateToFrappeTimestamp } from '../../src/connectors/erpnext/timestamps.js';
import { customersFeature } from '../../src/sync/erpnext-customers/feature.js';
import { customerOutbox, customers, syncRuns } from '../../src/models/index.js';
import type { DatabaseKind } from '../helpers/databases.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import {
  startErpNextSimulator,
  type ErpNextSimulator,
  type ErpNextSimulatorOptions,
} from '../sim/erpnext/server.js';

export const webhookSecret = 'webhook-secret-for-tests';

export interface CustomerHarness {
  sim: ErpNextSimulator;
  tw: TestWorker;
  /** Waits until webhooks are delivered, no run is queued or running and no outbox entry waits (failed ones stay). */
  settle(timeoutMs?: number): Promise<void>;
  customerCount(): Promise<number>;
  /** One more worker on the same database and settings, as a second process behind the load balancer would be. */
  startAnotherWorker(): Promise<TestWorker>;
  stop(): Promise<void>;
}

export async function startCustomerHarness(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; sim?: ErpNextSimulatorOptions; webhooks?: boolean } = {},
): Promise<CustomerHarness> {
  const sim = await startErpNextSimulator({
    seed: 11,
    // The site's clock keeps real time, so "the newer change wins" compares like it would in production.
    startTime: dateToFrappeTimestamp(new Date(), 'UTC'),
    followRealTime: true,
    customFields: ['custom_vat_number'],
    webhookRetryDelaysMs: [20, 50],
    ...options.sim,
  });
  const env = {
    ERPNEXT_URL: sim.url,
    ERPNEXT_API_KEY: 'sim-api-key',
    ERPNEXT_API_SECRET: 'sim-api-secret',
    ERPNEXT_WEBHOOK_SECRET: webhookSecret,
    ERPNEXT_COMPANY: 'Acme Supplies',
    ERPNEXT_VAT_FIELD: 'custom_vat_number',
    ERPNEXT_PUSH_BACKOFF_MS: '150',
    ERPNEXT_RETRIES: '1',
    ERPNEXT_RETRY_BASE_MS: '10',
    ERPNEXT_TIMEOUT_MS: '3000',
    ERPNEXT_PAGE_SIZE: '2',
    ERPNEXT_PULL_OVERLAP_MS: '0',
    ERPNEXT_REQUESTS_PER_SECOND: '500',
    ...options.env,
  };
  const tw = await startTestWorker(kind, { features: [customersFeature], env });
  const others: TestWorker[] = [];
  if (options.webhooks !== false)
    sim.webhooks.add({ url: `${tw.url}/api/webhooks/erpnext/customers`, secret: webhookSecret });
  const db = tw.database.db;
  return {
    sim,
    tw,
    async settle(timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      let quietRounds = 0;
      while (quietRounds < 3) {
        if (Date.now() > deadline) {
          const state = {
            runs: await db
              .select()
              .from(syncRuns)
              .where(inArray(syncRuns.status, ['queued', 'running'])),
            outbox: await db.select().from(customerOutbox).where(eq(customerOutbox.status, 'pending')),
          };
          throw new Error(`the customer sync did not settle in time: ${JSON.stringify(state)}`);
        }
        await sim.webhooks.idle();
        const [runs] = await db
          .select({ n: count() })
          .from(syncRuns)
          .where(inArray(syncRuns.status, ['queued', 'running']));
        const [due] = await db
          .select({ n: count() })
          .from(customerOutbox)
          .where(and(eq(customerOutbox.status, 'pending'), lte(customerOutbox.nextAttemptAt, new Date())));
        const [waiting] = await db
          .select({ n: count() })
          .from(customerOutbox)
          .where(eq(customerOutbox.status, 'pending'));
        // With schedules off in tests, a due retry is pushed the way the schedule would push it.
        if (runs!.n === 0 && due!.n > 0)
          await tw.worker.runner.enqueue('erpnext.push-customers', {}, 'schedule');
        quietRounds = runs!.n === 0 && waiting!.n === 0 ? quietRounds + 1 : 0;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async customerCount() {
      const [row] = await db.select({ n: count() }).from(customers);
      return row!.n;
    },
    async startAnotherWorker() {
      const other = await startTestWorker(kind, { features: [customersFeature], env, database: tw.database });
      others.push(other);
      return other;
    },
    async stop() {
      for (const other of others) await other.stop();
      await tw.stop();
      await sim.close();
    },
  };
}
