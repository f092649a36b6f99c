/**
 * Shared pieces of the ledger suites: documents as the portal syncs would hand them over, a real recorded run to
 * post under, and the ledger's state read back per item.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/database.js';
import { beginRun, type RunRecorder } from '../../src/jobs/runs.js';
import type { PurchaseOrderInput, SalesInvoiceInput } from '../../src/ledger/index.js';
import { createLogger } from '../../src/log.js';

const silent = createLogger({ level: 'silent', destination: process.stderr });

export async function startRun(
  db: Database,
  job = 'inventory.post-stock',
  signal = new AbortController().signal,
): Promise<RunRecorder> {
  return beginRun(db, silent, { job, trigger: 'manual', signal });
}

export function purchaseOrder(
  orderNumber: string,
  lines: { sku: string; qty: number }[] | undefined,
  overrides: Partial<PurchaseOrderInput> = {},
): PurchaseOrderInput {
  return {
    source: 'customerconnect',
    orderNumber,
    poNumber: `PO-${orderNumber}`,
    vendor: 'Acme Supply',
    status: 'Complete',
    orderDate: '2026-11-02',
    subtotal: 100,
    tax: 0,
    shipping: 0,
    total: 100,
    detailUrl: null,
    raw: { orderNumber },
    lines: lines?.map((l, i) => ({
      lineNo: i + 1,
      sku: l.sku,
      name: `Item ${l.sku}`,
      qty: l.qty,
      unitPrice: 2,
      lineTotal: 2 * l.qty,
    })),
    ...overrides,
  };
}

export function salesInvoice(
  invoiceNumber: string,
  lines: { item: string; qty: number }[] | undefined,
  overrides: Partial<SalesInvoiceInput> = {},
): SalesInvoiceInput {
  return {
    source: 'routestar',
    invoiceNumber,
    listType: 'closed',
    status: 'Closed',
    isComplete: true,
    isPosted: true,
    customer: 'Corner Store',
    invoiceDate: '2026-11-03',
    dateCompleted: '2026-11-03',
    lastModified: '2026-11-03 10:15',
    subtotal: 50,
    tax: 0,
    total: 50,
    detailUrl: null,
    raw: { invoiceNumber },
    lines: lines?.map((l, i) => ({
      lineNo: i + 1,
      itemName: l.item,
      description: null,
      qty: l.qty,
      rate: 5,
      amount: 5 * l.qty,
      class: 'T1',
      warehouse: null,
      taxCode: null,
      location: null,
    })),
    ...overrides,
  };
}

export interface ItemLedger {
  /** Sum of the item's movements. */
  movements: number;
  /** The stored balance (0 when the item has none yet). */
  balance: number;
}

/** Per SKU: what its movements add up to and what its balance says; items without either are left out. */
export async function ledgerBySku(db: Database): Promise<Map<string, ItemLedger>> {
  const { rows } = await db.execute<{ sku: string; movements: string; balance: string }>(sql`
    SELECT i.sku,
           coalesce((SELECT sum(m.qty) FROM stock_movements m WHERE m.item_id = i.id), 0)::text AS movements,
           coalesce(b.on_hand, 0)::text AS balance
      FROM items i LEFT JOIN stock_balances b ON b.item_id = i.id
     ORDER BY i.sku`);
  const out = new Map<string, ItemLedger>();
  for (const r of rows) {
    const entry = { movements: Number(r.movements), balance: Number(r.balance) };
    if (entry.movements !== 0 || entry.balance !== 0) out.set(r.sku, entry);
  }
  return out;
}

/** On-hand per SKU from the movements only, zeros left out. */
export async function onHandBySku(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [sku, l] of await ledgerBySku(db)) if (l.movements !== 0) out[sku] = l.movements;
  return out;
}

export async function movementCount(db: Database): Promise<number> {
  const { rows } = await db.execute<{ n: number }>(sql`SELECT count(*) AS n FROM stock_movements`);
  return Number(rows[0]!.n);
}
