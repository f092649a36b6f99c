/**
 * A worker with stand-in flows named like the real ones (their job-name prefixes are what the status page keys on)
 * and history that looks like a few weeks of use: runs of every outcome and stock movements on many days.
 */
import { z } from 'zod';
import type { Feature, FeatureFactory } from '../../src/feature.js';
import type { Database } from '../../src/db/database.js';
import { adjustStock, upsertItem } from '../../src/ledger/index.js';
import { syncRuns } from '../../src/models/index.js';

export const flowsFeature: FeatureFactory = (): Feature => ({
  name: 'stand-in flows',
  jobs: [
    {
      name: 'routestar.sync',
      description: 'Reads RouteStar invoices (stand-in)',
      data: z.object({ fail: z.boolean().optional() }),
      schedule: () => '1 hour',
      async run(ctx, data) {
        ctx.count('created', 4);
        ctx.count('unchanged', 10);
        if (data.fail) throw new Error('RouteStar answered 503');
      },
    },
    {
      name: 'customerconnect.sync',
      description: 'Reads CustomerConnect orders (stand-in)',
      data: z.object({}),
      schedule: () => '2 hours',
      async run(ctx) {
        ctx.count('updated', 2);
      },
    },
    {
      name: 'erpnext.pull-customers',
      description: 'Pulls ERPNext customers (stand-in, not configured)',
      data: z.object({}),
      schedule: () => undefined,
      async run() {
        throw new Error('ERPNext is not configured');
      },
    },
  ],
  connections: [
    {
      system: 'erpnext',
      check: async () => ({ ok: false, detail: 'ERPnext is not configured: set ERPNEXT_URL.' }),
    },
  ],
});

const hour = 3_600_000;

/** Twenty days of runs of each stand-in flow: mostly successes, some partial, some failed, durations that vary. */
export async function seedHistory(db: Database, now = Date.now()): Promise<void> {
  const rows: (typeof syncRuns.$inferInsert)[] = [];
  for (let day = 20; day >= 1; day -= 1) {
    for (const [job, runsPerDay] of [
      ['routestar.sync', 4],
      ['customerconnect.sync', 2],
    ] as const) {
      for (let n = 0; n < runsPerDay; n += 1) {
        const started = new Date(
          now - day * 24 * hour + n * 5 * hour + (job === 'routestar.sync' ? 0 : hour),
        );
        const seconds = job === 'routestar.sync' ? 40 + ((day * 7 + n * 13) % 50) : 120 + ((day * 11) % 90);
        const roll = (day * 3 + n) % 11;
        const status = roll === 0 ? 'failed' : roll === 5 ? 'partial' : 'succeeded';
        rows.push({
          job,
          trigger: 'schedule',
          status,
          queuedAt: started,
          startedAt: started,
          finishedAt: new Date(started.getTime() + seconds * 1000),
          created: (day * 5 + n * 3) % 17,
          updated: (day * 2 + n) % 9,
          unchanged: 20 + ((day + n) % 30),
          failed: status === 'partial' ? 2 : 0,
          error: status === 'failed' ? 'Timed out waiting for the invoice grid to draw' : null,
        });
      }
    }
  }
  await db.insert(syncRuns).values(rows);
  for (const sku of ['MULCH-40', 'SOIL-20', 'STONE-50']) await upsertItem(db, { sku, name: `${sku} bag` });
  for (let day = 28; day >= 0; day -= 1) {
    const occurredOn = new Date(now - day * 24 * hour).toISOString().slice(0, 10);
    await adjustStock(db, {
      sku: 'MULCH-40',
      qty: day % 7 === 0 ? 60 : -((day * 3) % 11),
      reason: 'seed',
      occurredOn,
    });
    if (day % 2 === 0)
      await adjustStock(db, { sku: 'SOIL-20', qty: day % 6 === 0 ? 30 : -4, reason: 'seed', occurredOn });
  }
}
