/**
 * The inventory ledger in the worker: the posting and reconciliation jobs and the inventory, item, analytics and
 * document routes.
 */
import { z } from 'zod';
import type { FeatureFactory } from '../feature.js';
import type { JobDefinition } from '../jobs/types.js';
import { reconcileBalances } from './balances.js';
import { postStock } from './posting.js';
import { postingRulesFrom } from './posting-rules.js';
import { POST_STOCK_JOB, RECONCILE_JOB } from './job-names.js';
import { ledgerRoutes } from './routes.js';

const postStockData = z
  .object({
    /** Re-check every document, not only those changed since they were last posted. */
    full: z.boolean().optional(),
    source: z.string().min(1).optional(),
  })
  .strict();

export const ledgerFeature: FeatureFactory = (app) => {
  const rules = postingRulesFrom(app.config);

  const postStockJob: JobDefinition<z.infer<typeof postStockData>> = {
    name: POST_STOCK_JOB,
    description:
      'Posts the stock movements of every document whose lines or status changed since it was last posted.',
    data: postStockData,
    schedule: (config) => config.LEDGER_POST_SCHEDULE,
    async run(ctx, data) {
      const result = await postStock(app.db, ctx, {
        ...data,
        rules,
        batchSize: app.config.LEDGER_POST_BATCH_SIZE,
      });
      await ctx.event({
        level: 'info',
        message: `Posted ${result.movements} movements for ${result.created + result.updated} of ${result.documents} documents`,
        details: result,
      });
    },
  };

  const reconcileJob: JobDefinition<Record<string, never>> = {
    name: RECONCILE_JOB,
    description: 'Recomputes every balance from the ledger, reports each mismatch and repairs it.',
    data: z.object({}).strict(),
    schedule: (config) => config.LEDGER_RECONCILE_SCHEDULE,
    async run(ctx) {
      await reconcileBalances(app.db, ctx);
    },
  };

  return {
    name: 'ledger',
    jobs: [postStockJob, reconcileJob],
    routes: ledgerRoutes({
      db: app.db,
      jobs: app.jobs,
      rules,
      lowStockThreshold: app.config.LEDGER_LOW_STOCK_THRESHOLD,
    }),
  };
};
