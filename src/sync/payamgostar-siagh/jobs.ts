/** The flow's jobs: the initial import, one CRM notification, one Siagh notification, the poll, the drift check, and
 * the manual sync of one customer or quote. */
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { AnyJobDefinition, RunContext } from '../../jobs/types.js';
import { flowJobs, type FlowDeps } from './context.js';
import { syncCustomer } from './customer-sync.js';
import { checkContactByCode, runDriftCheck } from './drift.js';
import { initialImportData, runInitialImport } from './initial-import.js';
import { runPoll } from './poll.js';
import { syncQuote } from './quote-sync.js';
import { releaseQueueSlot } from './store.js';

const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'a CRM id is a GUID')
  .transform((v) => v.toLowerCase());

const crmChangeData = z.object({
  record: z.enum(['identity', 'quote']),
  id: guid,
  kind: z.enum(['person', 'organization']).optional(),
  /** The webhook's queue slot, freed as the run starts. */
  queueKey: z.string().optional(),
});

const siaghChangeData = z.object({
  code: z.number().int().positive(),
  queueKey: z.string().optional(),
});
const customerData = z.object({ crmId: guid, force: z.boolean().default(true) });
const quoteData = z.object({ quoteId: guid, force: z.boolean().default(true) });

/** Frees the webhook's queue slot before the record is read, so a change made from now on queues a new run. */
async function started(deps: FlowDeps, ctx: RunContext, queueKey: string | undefined): Promise<void> {
  if (!queueKey) return;
  const notifications = await releaseQueueSlot(deps.db, queueKey);
  if (notifications > 1)
    await ctx.event({
      level: 'debug',
      message: `${notifications} notifications for ${queueKey} answered by this run`,
    });
}

export function flowJobDefinitions(ready: () => FlowDeps, enabled: boolean): AnyJobDefinition[] {
  const scheduled = (schedule: string) => (enabled ? schedule : undefined);
  return [
    {
      name: flowJobs.initialImport,
      description:
        'Initial import Siagh → CRM (run once): admin users and mapped contacts skipped, existing CRM customers linked by customer number, the rest created; resumable without duplicates',
      data: initialImportData,
      run: async (ctx, data: z.infer<typeof initialImportData>) =>
        void (await runInitialImport(ready(), ctx, data)),
    },
    {
      name: flowJobs.crmChange,
      description: 'One CRM webhook: the customer to Siagh, or the quote to a Siagh pre-invoice',
      data: crmChangeData,
      concurrency: 4,
      run: async (ctx, data: z.infer<typeof crmChangeData>) => {
        const deps = ready();
        await started(deps, ctx, data.queueKey);
        if (data.record === 'quote') await syncQuote(deps, ctx, data.id, { force: false });
        else await syncCustomer(deps, ctx, data.id, { kind: data.kind });
      },
    },
    {
      name: flowJobs.siaghChange,
      description:
        'One Siagh contact changed: compared with what was last synced, drift reported (nothing copied)',
      data: siaghChangeData,
      concurrency: 2,
      run: async (ctx, data: z.infer<typeof siaghChangeData>) => {
        const deps = ready();
        await started(deps, ctx, data.queueKey);
        await checkContactByCode(deps, ctx, data.code);
      },
    },
    {
      name: flowJobs.poll,
      description:
        'CRM customers changed without a webhook (new or renamed identities, and a rotating batch compared in full) to Siagh; held quotes tried again',
      data: z.object({}),
      schedule: (config: Config) => scheduled(config.PAYAMGOSTAR_SIAGH_POLL_SCHEDULE),
      run: async (ctx) => void (await runPoll(ready(), ctx)),
    },
    {
      name: flowJobs.driftCheck,
      description:
        'Every Siagh contact compared with what was last synced: changes made in Siagh only are reported',
      data: z.object({}),
      schedule: (config: Config) => scheduled(config.PAYAMGOSTAR_SIAGH_DRIFT_SCHEDULE),
      run: async (ctx) => runDriftCheck(ready(), ctx),
    },
    {
      name: flowJobs.customer,
      description:
        "One CRM customer to Siagh now (by hand: the CRM's state is sent even if nothing seems changed)",
      data: customerData,
      concurrency: 2,
      run: async (ctx, data: z.infer<typeof customerData>) =>
        void (await syncCustomer(ready(), ctx, data.crmId, { force: data.force })),
    },
    {
      name: flowJobs.quote,
      description: 'One CRM quote to a Siagh pre-invoice now (made once; a held quote is tried again)',
      data: quoteData,
      concurrency: 2,
      run: async (ctx, data: z.infer<typeof quoteData>) =>
        void (await syncQuote(ready(), ctx, data.quoteId, { force: data.force })),
    },
  ];
}
