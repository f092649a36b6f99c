/**
 * Variables of the inventory ledger: which document statuses post stock, what to do with a sale that would take an
 * item below zero, and when posting and reconciliation run.
 */
import { z } from 'zod';
import { listString, variable } from './env.js';

const statusList = listString.pipe(z.array(z.string()).min(1, { message: 'expected at least one status' }));

export const ledgerVariables = {
  LEDGER_PURCHASE_ORDER_POSTING_STATUSES: variable(
    statusList.default(['Complete', 'Processing', 'Shipped']),
    {
      example: 'Complete,Processing,Shipped',
      description:
        'Purchase order statuses (case-insensitive) whose lines add to stock; any other status posts nothing.',
    },
  ),
  LEDGER_SALES_INVOICE_POSTING_STATUSES: variable(statusList.default(['Completed', 'Closed']), {
    example: 'Completed,Closed',
    description: 'Statuses (case-insensitive) of a complete sales invoice whose lines take from stock.',
  }),
  LEDGER_NEGATIVE_STOCK: variable(z.enum(['allow', 'quarantine']).default('allow'), {
    example: 'allow',
    description:
      'allow: a sale that takes an item below zero posts truthfully and the item shows as oversold. quarantine: such a sale is not posted and waits, with its reason, until stock covers it.',
  }),
  LEDGER_LOW_STOCK_THRESHOLD: variable(z.coerce.number({ message: 'expected a number' }).default(0), {
    example: '5',
    description: 'On-hand at or below which an item without its own reorder point counts as low stock.',
  }),
  LEDGER_POST_SCHEDULE: variable(z.string().min(1).default('10 minutes'), {
    example: '10 minutes',
    description:
      'How often inventory.post-stock runs besides after each portal sync (cron or Agenda interval).',
  }),
  LEDGER_RECONCILE_SCHEDULE: variable(z.string().min(1).default('41 4 * * *'), {
    example: '41 4 * * *',
    description:
      'When inventory.reconcile recomputes every balance from the ledger (cron or Agenda interval).',
  }),
  LEDGER_POST_BATCH_SIZE: variable(z.coerce.number().int().min(1).max(10_000).default(500), {
    example: '500',
    description: 'Documents posted per transaction by inventory.post-stock.',
  }),
};
