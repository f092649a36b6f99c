/**
 * The drift report: per item, what a portal says it has on hand (its own item list, read by the portal's sync) beside
 * the ledger's on-hand, the difference, and the reasons a person can act on — documents the ledger has not posted
 * (pending, quarantined or awaiting invoices; purchase orders waiting to be counted) and manual adjustments the portal
 * does not know of — with what is left unexplained named as the likely missing purchase orders (pointing at the codes
 * still unmapped, which hold purchases of their own) or unrecorded sales and counts.
 *
 * Signs: `difference` is ledger minus portal, and each reason's `explains` is the part of it the reason accounts for,
 * so a difference whose reasons add up to it is fully explained.
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import { normaliseCode } from './items.js';
import { purchaseOrderVerdict, salesInvoiceVerdict, type PostingRules } from './posting-rules.js';

export type DriftReasonKind =
  | 'unposted-sales-invoices'
  | 'unposted-purchase-orders'
  | 'manual-adjustments'
  | 'missing-purchase-orders'
  | 'unrecorded-stock-out';

export interface DriftDocument {
  source: string;
  number: string;
  status: string;
  /** Units of this item the ledger has still to move for the document (signed as they would move on-hand). */
  qty: number;
  why: string;
}

export interface DriftReason {
  kind: DriftReasonKind;
  /** The part of the difference (ledger minus portal) this reason accounts for. */
  explains: number;
  message: string;
  documents?: DriftDocument[];
}

export interface DriftRow {
  sku: string;
  name: string;
  unit: string;
  source: string;
  /** The portal's codes counted for the item (two aliases of one item are added up). */
  codes: string[];
  portalOnHand: number;
  countedAt: string;
  ledgerOnHand: number;
  /** Ledger minus portal. */
  difference: number;
  /** The part of the difference no stored document or adjustment accounts for (the last reason guesses at it). */
  unexplained: number;
  reasons: DriftReason[];
}

export interface DriftOptions {
  source: string;
  /** Differences at or below this (in units) count as agreement. */
  tolerance: number;
  /** Items that agree too, not only those that drift. */
  includeMatching: boolean;
  limit: number;
  afterSku?: string;
}

interface CountRow extends Record<string, unknown> {
  item_id: string;
  sku: string;
  name: string;
  unit: string;
  codes: string[];
  portal: string;
  counted_at: Date | string;
  ledger: string;
}

interface DocumentRow extends Record<string, unknown> {
  item_id: string;
  source: string;
  number: string;
  status: string;
  is_complete: boolean;
  awaiting: boolean;
  quarantine_reason: string | null;
  missing_since: Date | string | null;
  line_qty: string;
  posted: string;
}

interface AdjustmentRow extends Record<string, unknown> {
  item_id: string;
  total: string;
  n: number;
  last_on: string;
}

const voidedSales = ['cancelled', 'canceled', 'void', 'voided', 'invalid'];
const round = (n: number) => Math.round(n * 10_000) / 10_000;
const units = (n: number, unit: string) => `${round(Math.abs(n))} ${unit}`;

export async function driftReport(
  db: Queryable,
  rules: PostingRules,
  options: DriftOptions,
): Promise<DriftRow[]> {
  const { rows: counts } = await db.execute<CountRow>(sql`
    WITH counted AS (
      SELECT c.item_id, array_agg(c.code ORDER BY c.code) AS codes, sum(c.on_hand) AS portal,
             max(c.counted_at) AS counted_at
        FROM portal_item_counts c
       WHERE c.source = ${options.source} AND c.missing_since IS NULL
       GROUP BY c.item_id)
    SELECT i.id AS item_id, i.sku, i.name, i.unit, c.codes, c.portal::text AS portal, c.counted_at,
           coalesce(b.on_hand, 0)::text AS ledger
      FROM counted c
      JOIN items i ON i.id = c.item_id
      LEFT JOIN stock_balances b ON b.item_id = i.id
     WHERE ${options.includeMatching ? sql`true` : sql`abs(coalesce(b.on_hand, 0) - c.portal) > ${options.tolerance}`}
       AND ${options.afterSku === undefined ? sql`true` : sql`i.sku > ${normaliseCode(options.afterSku)}`}
     ORDER BY i.sku
     LIMIT ${options.limit}`);
  if (counts.length === 0) return [];
  const ids = JSON.stringify(counts.map((c) => c.item_id));
  const [invoices, orders, adjustments, unmapped] = await Promise.all([
    documentsOf(db, 'sales', ids),
    documentsOf(db, 'purchases', ids),
    db.execute<AdjustmentRow>(sql`
      SELECT m.item_id, sum(m.qty)::text AS total, count(*)::int AS n, max(m.occurred_on)::text AS last_on
        FROM stock_movements m
       WHERE m.type = 'ADJUST' AND m.item_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)
       GROUP BY m.item_id`),
    db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM items WHERE unmapped`),
  ]);
  const unmappedCodes = unmapped.rows[0]?.n ?? 0;
  return counts.map((count) => {
    const portalOnHand = Number(count.portal);
    const ledgerOnHand = Number(count.ledger);
    const difference = round(ledgerOnHand - portalOnHand);
    const reasons = [
      salesReason(
        rules,
        invoices.filter((d) => d.item_id === count.item_id),
        count.unit,
      ),
      purchasesReason(
        rules,
        orders.filter((d) => d.item_id === count.item_id),
        count.unit,
      ),
      adjustmentsReason(
        adjustments.rows.find((a) => a.item_id === count.item_id),
        count.unit,
      ),
    ].filter((r): r is DriftReason => r !== undefined);
    const unexplained = round(difference - reasons.reduce((sum, r) => sum + r.explains, 0));
    const rest = residualReason(unexplained, options.tolerance, count.unit, count.sku, unmappedCodes);
    if (rest) reasons.push(rest);
    return {
      sku: count.sku,
      name: count.name,
      unit: count.unit,
      source: options.source,
      codes: count.codes,
      portalOnHand,
      countedAt: new Date(count.counted_at).toISOString(),
      ledgerOnHand,
      difference,
      unexplained,
      reasons,
    };
  });
}

/** Every stored document with lines for the items, with what its lines ask for and what the ledger has posted. */
async function documentsOf(db: Queryable, kind: 'sales' | 'purchases', ids: string): Promise<DocumentRow[]> {
  const sales = kind === 'sales';
  const { rows } = await db.execute<DocumentRow>(
    sales
      ? sql`
      SELECT l.item_id, s.source, s.invoice_number AS number, s.status, s.is_complete,
             s.posting_revision <> s.posted_revision AS awaiting, s.quarantine_reason, s.missing_since,
             sum(l.qty)::text AS line_qty,
             coalesce((SELECT sum(m.qty) FROM stock_movements m
                        WHERE m.document_type = 'sales_invoice' AND m.document_id = s.id AND m.item_id = l.item_id),
                      0)::text AS posted
        FROM sales_invoice_lines l JOIN sales_invoices s ON s.id = l.sales_invoice_id
       WHERE l.item_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)
       GROUP BY s.id, l.item_id
       ORDER BY s.invoice_number`
      : sql`
      SELECT l.item_id, p.source, p.order_number AS number, p.status, true AS is_complete,
             p.posting_revision <> p.posted_revision AS awaiting, NULL AS quarantine_reason, NULL AS missing_since,
             sum(l.qty)::text AS line_qty,
             coalesce((SELECT sum(m.qty) FROM stock_movements m
                        WHERE m.document_type = 'purchase_order' AND m.document_id = p.id AND m.item_id = l.item_id),
                      0)::text AS posted
        FROM purchase_order_lines l JOIN purchase_orders p ON p.id = l.purchase_order_id
       WHERE l.item_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)::uuid)
       GROUP BY p.id, l.item_id
       ORDER BY p.order_number`,
  );
  return rows;
}

/**
 * Invoices whose lines for the item the ledger has not (or not fully) taken out of stock. A pending or incomplete one
 * counts as outstanding, since the portal may well have taken its goods off the truck already; a cancelled one asks
 * for nothing, so only what was posted for it is outstanding (to be given back).
 */
function salesReason(rules: PostingRules, rows: DocumentRow[], unit: string): DriftReason | undefined {
  const documents: DriftDocument[] = [];
  for (const row of rows) {
    const verdict = salesInvoiceVerdict(rules, row.status, row.is_complete);
    const voided = voidedSales.includes(row.status.trim().toLowerCase());
    const wanted = verdict === 'posts' || !voided ? -Number(row.line_qty) : 0;
    const qty = round(wanted - Number(row.posted));
    if (qty === 0) continue;
    let why: string;
    if (row.quarantine_reason) why = `quarantined by posting: it ${row.quarantine_reason}`;
    else if (verdict === 'posts') why = 'waiting for the next posting run (POST /api/inventory/post)';
    else if (voided) why = `${row.status} after it was posted; the next posting run gives the stock back`;
    else if (verdict === 'unknown')
      why = `its status "${row.status}" is not one the ledger posts; add it to LEDGER_SALES_INVOICE_POSTING_STATUSES if it is a sale`;
    else if (!row.is_complete) why = `not complete yet (${row.status}): it posts once the sale is completed`;
    else why = `its status "${row.status}" does not post`;
    if (row.missing_since) why += "; it has vanished from the portal's pending list: check it there";
    documents.push({ source: row.source, number: row.number, status: row.status, qty, why });
  }
  if (documents.length === 0) return undefined;
  // Stock the ledger has yet to take out is stock the ledger still shows: it explains the ledger being higher.
  const explains = round(-documents.reduce((sum, d) => sum + d.qty, 0));
  return {
    kind: 'unposted-sales-invoices',
    explains,
    message: `${documents.length} sales invoice${documents.length === 1 ? '' : 's'} (${documents.map((d) => d.number).join(', ')}) ${explains >= 0 ? 'take' : 'give back'} ${units(explains, unit)} the ledger has not posted.`,
    documents,
  };
}

/** Purchase orders whose counted lines the ledger has not yet added to stock. */
function purchasesReason(rules: PostingRules, rows: DocumentRow[], unit: string): DriftReason | undefined {
  const documents: DriftDocument[] = [];
  for (const row of rows) {
    const verdict = purchaseOrderVerdict(rules, row.status);
    const qty = round((verdict === 'posts' ? Number(row.line_qty) : 0) - Number(row.posted));
    if (qty === 0) continue;
    const why =
      verdict === 'posts'
        ? 'waiting for the next posting run (POST /api/inventory/post)'
        : `its status "${row.status}" no longer counts; the next posting run takes back what it added`;
    documents.push({ source: row.source, number: row.number, status: row.status, qty, why });
  }
  if (documents.length === 0) return undefined;
  const explains = round(-documents.reduce((sum, d) => sum + d.qty, 0));
  return {
    kind: 'unposted-purchase-orders',
    explains,
    message: `${documents.length} purchase order${documents.length === 1 ? '' : 's'} (${documents.map((d) => d.number).join(', ')}) ${explains <= 0 ? 'bring' : 'take back'} ${units(explains, unit)} the ledger has not posted.`,
    documents,
  };
}

function adjustmentsReason(row: AdjustmentRow | undefined, unit: string): DriftReason | undefined {
  if (!row || Number(row.total) === 0) return undefined;
  const total = round(Number(row.total));
  return {
    kind: 'manual-adjustments',
    explains: total,
    message: `${row.n} manual count adjustment${row.n === 1 ? '' : 's'} in the ledger (the last on ${row.last_on}) ${total > 0 ? 'added' : 'took out'} ${units(total, unit)} the portal knows nothing of: make the same count in the portal, or reverse the adjustment.`,
  };
}

function residualReason(
  unexplained: number,
  tolerance: number,
  unit: string,
  sku: string,
  unmappedCodes: number,
): DriftReason | undefined {
  if (Math.abs(unexplained) <= tolerance) return undefined;
  if (unexplained < 0) {
    const unmapped =
      unmappedCodes > 0
        ? ` ${unmappedCodes} code${unmappedCodes === 1 ? ' is' : 's are'} still unmapped (GET /api/inventory?filter=unmapped): if one is this item, map it (PUT /api/items/aliases/<source>/<code>) and its purchases count here.`
        : '';
    return {
      kind: 'missing-purchase-orders',
      explains: unexplained,
      message: `The portal has ${units(unexplained, unit)} more than any document in the ledger brings in: most likely a purchase order the ledger lacks — one not read yet from CustomerConnect (run its sync), one still pending there, or one whose Model is mapped to another item (GET /api/items/aliases).${unmapped} Stock the portal held before the ledger started, or a count made in the portal, has the same effect: record it with POST /api/inventory/${encodeURIComponent(sku)}/adjustments once checked.`,
    };
  }
  return {
    kind: 'unrecorded-stock-out',
    explains: unexplained,
    message: `The portal has ${units(unexplained, unit)} fewer than the ledger and no stored document says why: sales the ledger has not read (closed invoices older than the closed window, ROUTESTAR_CLOSED_WINDOW_DAYS), or a count or write-off made in the portal. Once checked, record it with POST /api/inventory/${encodeURIComponent(sku)}/adjustments.`,
  };
}
