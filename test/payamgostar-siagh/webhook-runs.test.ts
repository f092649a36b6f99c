/**
 * Runs queued by the CRM's webhook start as soon as a slot is free, not at the runner's next scan, as `npm run demo`
 * needs: behind a burst of notifications (the demo's came from the import), a salesperson adds a customer and issues
 * a quote, and both reach Siagh. The job runs four at a time, and Agenda took the next four only at its next scan: with
 * the default 2 s interval a backlog of short runs drained at two a second and the demo's quote waited over 30 s. The
 * scan here is a minute apart, so the test shows that stall whatever the machine's speed, without timing anything.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mappingByCrmId } from '../../src/sync/payamgostar-siagh/store.js';
import { databaseKinds } from '../helpers/databases.js';
import { until, webhookToken } from './harness.js';
import { base, startFlowWorker, type FlowWorker } from './worker.js';

const notifications = 48;

describe.each(databaseKinds)('webhook runs behind a burst of notifications on %s', (kind) => {
  let w: FlowWorker;
  beforeAll(async () => {
    w = await startFlowWorker(kind, {
      env: { JOB_PROCESS_EVERY: '1 minute' },
      siagh: { contactCount: notifications + 12, adminCount: 2 },
    });
    expect((await w.runJob('/initial')).status).toBe('succeeded');
    await w.settled();
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('a customer and a quote added behind the burst reach Siagh as fast as the runs end, not scan by scan', async () => {
    const identities = w.crmSim.crm.listIdentities();
    expect(identities.length).toBeGreaterThanOrEqual(notifications);
    // The CRM notifies faster than the runs end: each is queued at once and waits for one of the four slots.
    const answers = await Promise.all(
      identities.slice(0, notifications).map(async (identity) => {
        const query = `event=Update&id=${identity.crmId as string}&type=Identity&subtype=x`;
        return (await fetch(`${w.tw.url}${base}/webhook?token=${webhookToken}&${query}`)).json();
      }),
    );
    expect(answers.filter((a) => (a as { duplicate?: boolean }).duplicate === false)).toHaveLength(
      notifications,
    );

    const customer = w.crmSim.salesperson.createPerson({ nickName: 'مشتری نمایشی' });
    const quote = w.crmSim.salesperson.createQuote({
      identityId: customer.crmId as string,
      saleModel: 5,
      lines: [{ productCode: '500102014', unit: 'عدد', count: 2, unitPrice: 2_500_000 }],
    });
    // Less than a minute: four runs per scan would leave the quote behind more than ten scans.
    await until(
      'the quote made a pre-invoice',
      async () =>
        (await mappingByCrmId(w.tw.database.db, 'pre-invoice', quote.crmId as string))?.siaghId ?? undefined,
      45_000,
    );
    await w.settled();
    const left = await w.tw.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM sync_runs WHERE status NOT IN ('succeeded', 'partial')`,
    );
    expect(left.rows[0]!.n).toBe(0);
  }, 120_000);
});
