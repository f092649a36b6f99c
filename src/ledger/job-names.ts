/** The ledger's job names, in one place because the jobs run under them and the routes (and alias mapping) queue them. */
export const POST_STOCK_JOB = 'inventory.post-stock';
export const RECONCILE_JOB = 'inventory.reconcile';
