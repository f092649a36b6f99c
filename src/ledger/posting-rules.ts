/**
 * When a document moves stock. A status outside the posting set posts nothing; a status the portals are not known
 * to use also posts nothing but is reported, because silently counting it (the old "unknown means Processing")
 * is how stock went wrong before.
 */
import type { Config } from '../config/index.js';

export interface PostingRules {
  purchaseOrderStatuses: string[];
  salesInvoiceStatuses: string[];
  negativeStock: 'allow' | 'quarantine';
}

export const defaultPostingRules: PostingRules = {
  purchaseOrderStatuses: ['Complete', 'Processing', 'Shipped'],
  salesInvoiceStatuses: ['Completed', 'Closed'],
  negativeStock: 'allow',
};

export function postingRulesFrom(config: Config): PostingRules {
  return {
    purchaseOrderStatuses: config.LEDGER_PURCHASE_ORDER_POSTING_STATUSES,
    salesInvoiceStatuses: config.LEDGER_SALES_INVOICE_POSTING_STATUSES,
    negativeStock: config.LEDGER_NEGATIVE_STOCK,
  };
}

// The statuses each portal is documented to use (OpenCart order statuses; RouteStar's list labels).
const knownPurchaseOrderStatuses = [
  'pending',
  'processing',
  'shipped',
  'complete',
  'completed',
  'canceled',
  'cancelled',
  'denied',
  'canceled reversal',
  'failed',
  'refunded',
  'reversed',
  'chargeback',
  'expired',
  'voided',
];
const knownSalesInvoiceStatuses = [
  'pending',
  'complete',
  'completed',
  'closed',
  'cancelled',
  'canceled',
  'invalid',
  'void',
  'voided',
];

export type StatusVerdict = 'posts' | 'does-not-post' | 'unknown';

const norm = (status: string) => status.trim().toLowerCase();

export function purchaseOrderVerdict(rules: PostingRules, status: string): StatusVerdict {
  const s = norm(status);
  if (rules.purchaseOrderStatuses.some((p) => norm(p) === s)) return 'posts';
  return knownPurchaseOrderStatuses.includes(s) ? 'does-not-post' : 'unknown';
}

/** An incomplete invoice never posts, whatever its status says. */
export function salesInvoiceVerdict(rules: PostingRules, status: string, isComplete: boolean): StatusVerdict {
  const s = norm(status);
  const known =
    knownSalesInvoiceStatuses.includes(s) || rules.salesInvoiceStatuses.some((p) => norm(p) === s);
  if (!known) return 'unknown';
  return isComplete && rules.salesInvoiceStatuses.some((p) => norm(p) === s) ? 'posts' : 'does-not-post';
}
