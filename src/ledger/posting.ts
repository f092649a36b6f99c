/**
 * postStock: brings the ledger in line with the documents. For every line of every document marked for posting, the
 * quantity the document asks for (zero when its status does not post) is compared with what the ledger already
 * holds for that line and item, and only the difference is appended, together with the balance update, in one
 * transaction. Re-posting therefore adds nothing, an edit posts its correction, a cancellation its reversal, and a
 * crash anywhere leaves either the whole batch or none of it.
 */
import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '../db/database.js';
import type { RunContext } from '../jobs/types.js';
import { inLedgerTransaction, businessToday } from './lock.js';
import {
  defaultPostingRules,
  purchaseOrderVerdict,
  salesInvoiceVerdict,
  type PostingRules,
  type StatusVerdict,
} from './posting-rules.js';

export interface PostStockOptions {
  /** Only documents of this source system. */
  source?: string;
  /** Re-check every document, not only those changed since their last posting (after changing the rules). */
  full?: boolean;
  rules?: PostingRules;
  /** Documents per transaction. */
  batchSize?: number;
}

export interface PostStockResult {
  documents: number;
  movements: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  oversoldItems: string[];
  quarantinedInvoices: string[];
  unknownStatusDocuments: string[];
  /** True when the run was asked to stop before it went through every document. */
  interrupted: boolean;
}

interface DocumentKind {
  type: 'purchase_order' | 'sales_invoice';
  label: string;
  movementType: 'IN' | 'OUT';
  table: string;
  linesTable: string;
  linesKey: string;
  numberColumn: string;
  dateColumn: string;
  completeColumn: string | null;
  verdict(rules: PostingRules, doc: { status: string; is_complete: boolean }): StatusVerdict;
  statusesVariable: string;
}

const purchaseOrderKind: DocumentKind = {
  type: 'purchase_order',
  label: 'Purchase order',
  movementType: 'IN',
  table: 'purchase_orders',
  linesTable: 'purchase_order_lines',
  linesKey: 'purchase_order_id',
  numberColumn: 'order_number',
  dateColumn: 'order_date',
  completeColumn: null,
  verdict: (rules, doc) => purchaseOrderVerdict(rules, doc.status),
  statusesVariable: 'LEDGER_PURCHASE_ORDER_POSTING_STATUSES',
};

const salesInvoiceKind: DocumentKind = {
  type: 'sales_invoice',
  label: 'Sales invoice',
  movementType: 'OUT',
  table: 'sales_invoices',
  linesTable: 'sales_invoice_lines',
  linesKey: 'sales_invoice_id',
  numberColumn: 'invoice_number',
  dateColumn: 'invoice_date',
  completeColumn: 'is_complete',
  verdict: (rules, doc) => salesInvoiceVerdict(rules, doc.status, doc.is_complete),
  statusesVariable: 'LEDGER_SALES_INVOICE_POSTING_STATUSES',
};

type SelectedDocument = {
  id: string;
  source: string;
  number: string;
  status: string;
  is_complete: boolean;
  day: string | null;
  revision: number;
  dirty: boolean;
};

type LineDifference = {
  document_id: string;
  line_no: number;
  item_id: string;
  sku: string;
  unmapped: boolean;
  desired: string;
  held: string;
  delta: string;
  seq: number;
};

interface BatchOutcome {
  lastId: string;
  documents: {
    doc: SelectedDocument;
    verdict: StatusVerdict;
    outcome: 'created' | 'updated' | 'unchanged' | 'skipped';
    quarantine?: string;
  }[];
  movements: number;
  unmapped: { sku: string; document: string }[];
  oversold: { sku: string; onHand: string; document: string }[];
}

// Quantities have four decimals; comparing them as integers of ten-thousandths avoids floating-point drift.
const units = (value: string) => Math.round(Number(value) * 10_000);

const entityOf = (kind: DocumentKind, doc: SelectedDocument) => `${kind.type}:${doc.source}/${doc.number}`;

/** Documents changed since their last posting, plus those a full re-check found differing from the ledger. */
function toPost(alsoIds: string[] | undefined) {
  return alsoIds?.length
    ? sql`(posting_revision <> posted_revision
           OR id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(alsoIds)}::jsonb)))`
    : sql`posting_revision <> posted_revision`;
}

// No row locks: the ledger lock already keeps posting runs apart, and a document edited while its batch is posted
// keeps a posting_revision above the one recorded here, so the next run posts the rest. Upserts never wait on posting.
async function selectDocuments(
  tx: Transaction,
  kind: DocumentKind,
  after: string,
  options: { batchSize: number; source?: string; alsoIds?: string[] },
): Promise<SelectedDocument[]> {
  const table = sql.raw(kind.table);
  const pending = toPost(options.alsoIds);
  const source = options.source === undefined ? sql`true` : sql`source = ${options.source}`;
  const { rows } = await tx.execute<SelectedDocument>(sql`
    SELECT id, source, ${sql.raw(kind.numberColumn)} AS number, status,
           ${sql.raw(kind.completeColumn ?? 'true')} AS is_complete,
           ${sql.raw(kind.dateColumn)}::text AS day, posting_revision AS revision,
           posting_revision <> posted_revision AS dirty
      FROM ${table}
     WHERE id > ${after} AND ${pending} AND ${source}
     ORDER BY id
     LIMIT ${options.batchSize}`);
  return rows;
}

async function lineDifferences(
  tx: Transaction,
  kind: DocumentKind,
  docs: { id: string; postable: boolean }[],
): Promise<LineDifference[]> {
  const sign = kind.movementType === 'IN' ? sql`` : sql`-`;
  const { rows } = await tx.execute<LineDifference>(sql`
    WITH docs AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(docs)}::jsonb) AS d(id uuid, postable boolean)
    ), desired AS (
      SELECT l.${sql.raw(kind.linesKey)} AS document_id, l.line_no, l.item_id, ${sign}l.qty AS qty
        FROM ${sql.raw(kind.linesTable)} l JOIN docs d ON d.id = l.${sql.raw(kind.linesKey)}
       WHERE d.postable
    ), held AS (
      SELECT m.document_id, m.line_no, m.item_id, sum(m.qty) AS qty, count(*)::int AS n
        FROM stock_movements m JOIN docs d ON d.id = m.document_id
       WHERE m.document_type = ${kind.type}
       GROUP BY m.document_id, m.line_no, m.item_id
    )
    SELECT coalesce(w.document_id, h.document_id) AS document_id,
           coalesce(w.line_no, h.line_no) AS line_no,
           i.id AS item_id, i.sku, i.unmapped,
           coalesce(w.qty, 0)::text AS desired,
           coalesce(h.qty, 0)::text AS held,
           (coalesce(w.qty, 0) - coalesce(h.qty, 0))::text AS delta,
           coalesce(h.n, 0) AS seq
      FROM desired w
      FULL JOIN held h ON h.document_id = w.document_id AND h.line_no = w.line_no AND h.item_id = w.item_id
      JOIN items i ON i.id = coalesce(w.item_id, h.item_id)
     WHERE coalesce(w.qty, 0) <> coalesce(h.qty, 0)
     ORDER BY 1, 2, i.sku`);
  return rows;
}

function reasonFor(
  kind: DocumentKind,
  doc: SelectedDocument,
  verdict: StatusVerdict,
  row: LineDifference,
): string {
  if (units(row.held) === 0) return `posted: ${kind.label.toLowerCase()} status ${doc.status}`;
  if (units(row.desired) !== 0)
    return `corrected: line ${row.line_no} changed from ${row.held} to ${row.desired}`;
  if (verdict !== 'posts')
    return `reversed: status is now "${doc.status}"${doc.is_complete ? '' : ' (not complete)'}`;
  return `reversed: line ${row.line_no} no longer names item ${row.sku} or is gone`;
}

/** Invoices whose posting would take an item below zero, given the balances now and the invoices before them. */
async function invoicesToQuarantine(
  tx: Transaction,
  docs: SelectedDocument[],
  differences: LineDifference[],
): Promise<Map<string, string>> {
  const itemIds = [...new Set(differences.map((d) => d.item_id))];
  const onHand = new Map<string, number>();
  if (itemIds.length > 0) {
    const { rows } = await tx.execute<{ item_id: string; on_hand: string }>(sql`
      SELECT item_id, on_hand::text AS on_hand FROM stock_balances
       WHERE item_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(itemIds)}::jsonb))`);
    for (const row of rows) onHand.set(row.item_id, units(row.on_hand));
  }
  const quarantined = new Map<string, string>();
  for (const doc of docs) {
    const net = new Map<string, { sku: string; units: number }>();
    for (const d of differences.filter((x) => x.document_id === doc.id)) {
      const entry = net.get(d.item_id) ?? { sku: d.sku, units: 0 };
      entry.units += units(d.delta);
      net.set(d.item_id, entry);
    }
    const short = [...net].filter(([id, n]) => n.units < 0 && (onHand.get(id) ?? 0) + n.units < 0);
    if (short.length > 0) {
      quarantined.set(
        doc.id,
        `would take ${short.map(([id, n]) => `${n.sku} to ${((onHand.get(id) ?? 0) + n.units) / 10_000}`).join(', ')}; ` +
          'it posts by itself once purchases cover it, or set LEDGER_NEGATIVE_STOCK=allow',
      );
      continue;
    }
    for (const [id, n] of net) onHand.set(id, (onHand.get(id) ?? 0) + n.units);
  }
  return quarantined;
}

type Movement = {
  item_id: string;
  qty: string;
  document_id: string;
  document_number: string;
  line_no: number;
  seq: number;
  reason: string;
  occurred_on: string;
};

/**
 * Writes a batch's movements and adds them to the balances in one statement, and names the items it took below zero
 * (with the last document that took from each), which the run reports as oversold.
 */
async function applyMovements(
  tx: Transaction,
  kind: DocumentKind,
  ctx: RunContext,
  movements: Movement[],
  posted: LineDifference[],
  docById: Map<string, SelectedDocument>,
): Promise<BatchOutcome['oversold']> {
  const restocks = kind.movementType === 'IN';
  const { rows: balances } = await tx.execute<{ item_id: string; on_hand: string }>(sql`
    WITH m AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(movements)}::jsonb)
        AS r(item_id uuid, qty numeric, document_id uuid, document_number text, line_no int, seq int, reason text, occurred_on date)
    ), ins AS (
      INSERT INTO stock_movements (item_id, qty, type, document_type, document_id, document_number, line_no, seq, reason, run_id, occurred_on)
      SELECT item_id, qty, ${kind.movementType}, ${kind.type}, document_id, document_number, line_no, seq, reason, ${ctx.runId}::uuid, occurred_on
        FROM m
      RETURNING item_id, qty, occurred_on
    ), per_item AS (
      SELECT item_id, sum(qty) AS qty,
             CASE WHEN ${restocks} THEN max(occurred_on) FILTER (WHERE qty > 0) END AS restock_on
        FROM ins GROUP BY item_id
    )
    INSERT INTO stock_balances AS b (item_id, on_hand, last_restock_on, last_restock_qty, updated_at)
    SELECT p.item_id, p.qty, p.restock_on,
           (SELECT sum(i.qty) FROM ins i WHERE i.item_id = p.item_id AND i.qty > 0 AND i.occurred_on = p.restock_on),
           now()
      FROM per_item p
    ON CONFLICT (item_id) DO UPDATE SET
      on_hand = b.on_hand + excluded.on_hand,
      last_restock_qty = CASE
        WHEN excluded.last_restock_on IS NULL THEN b.last_restock_qty
        WHEN b.last_restock_on IS NULL OR excluded.last_restock_on > b.last_restock_on THEN excluded.last_restock_qty
        WHEN excluded.last_restock_on = b.last_restock_on THEN b.last_restock_qty + excluded.last_restock_qty
        ELSE b.last_restock_qty END,
      last_restock_on = CASE
        WHEN excluded.last_restock_on IS NULL THEN b.last_restock_on
        WHEN b.last_restock_on IS NULL OR excluded.last_restock_on > b.last_restock_on THEN excluded.last_restock_on
        ELSE b.last_restock_on END,
      updated_at = now()
    RETURNING b.item_id, b.on_hand::text AS on_hand`);
  const oversold: BatchOutcome['oversold'] = [];
  const taken = new Map<string, { units: number; document: string; sku: string }>();
  for (const d of posted) {
    const t = taken.get(d.item_id) ?? { units: 0, document: '', sku: d.sku };
    t.units += units(d.delta);
    if (units(d.delta) < 0) t.document = entityOf(kind, docById.get(d.document_id)!);
    taken.set(d.item_id, t);
  }
  for (const b of balances) {
    const t = taken.get(b.item_id);
    if (t && t.units < 0 && units(b.on_hand) < 0)
      oversold.push({ sku: t.sku, onHand: b.on_hand, document: t.document });
  }
  return oversold;
}

/**
 * Records that the settled documents' latest revision is posted (clearing an invoice's quarantine) and why each
 * quarantined invoice waits, so the next run picks up only what changed since.
 */
async function settleDocuments(
  tx: Transaction,
  kind: DocumentKind,
  settled: SelectedDocument[],
  quarantine: Map<string, string>,
): Promise<void> {
  const table = sql.raw(kind.table);
  if (settled.length > 0) {
    const invoice = kind.type === 'sales_invoice';
    await tx.execute(sql`
      UPDATE ${table} t SET posted_revision = d.revision ${invoice ? sql`, quarantine_reason = NULL` : sql``}
        FROM jsonb_to_recordset(${JSON.stringify(settled.map((doc) => ({ id: doc.id, revision: doc.revision })))}::jsonb)
          AS d(id uuid, revision int)
       WHERE t.id = d.id
         AND (t.posted_revision <> d.revision ${invoice ? sql`OR t.quarantine_reason IS NOT NULL` : sql``})`);
  }
  if (quarantine.size > 0)
    await tx.execute(sql`
      UPDATE sales_invoices t SET quarantine_reason = d.reason
        FROM jsonb_to_recordset(${JSON.stringify([...quarantine].map(([id, reason]) => ({ id, reason })))}::jsonb)
          AS d(id uuid, reason text)
       WHERE t.id = d.id`);
}

async function postBatch(
  tx: Transaction,
  kind: DocumentKind,
  ctx: RunContext,
  rules: PostingRules,
  docs: SelectedDocument[],
): Promise<BatchOutcome> {
  const verdicts = new Map(docs.map((doc) => [doc.id, kind.verdict(rules, doc)]));
  const differences = await lineDifferences(
    tx,
    kind,
    docs.map((doc) => ({ id: doc.id, postable: verdicts.get(doc.id) === 'posts' })),
  );
  const quarantine =
    kind.type === 'sales_invoice' && rules.negativeStock === 'quarantine'
      ? await invoicesToQuarantine(tx, docs, differences)
      : new Map<string, string>();
  const docById = new Map(docs.map((doc) => [doc.id, doc]));
  const today = businessToday();
  const posted = differences.filter((d) => !quarantine.has(d.document_id));
  const movements: Movement[] = posted.map((d) => {
    const doc = docById.get(d.document_id)!;
    return {
      item_id: d.item_id,
      qty: d.delta,
      document_id: d.document_id,
      document_number: doc.number,
      line_no: d.line_no,
      seq: d.seq,
      reason: reasonFor(kind, doc, verdicts.get(doc.id)!, d),
      occurred_on: doc.day ?? today,
    };
  });

  const oversold =
    movements.length > 0 ? await applyMovements(tx, kind, ctx, movements, posted, docById) : [];
  await settleDocuments(
    tx,
    kind,
    docs.filter((doc) => !quarantine.has(doc.id)),
    quarantine,
  );

  const touched = new Map<string, { held: boolean }>();
  for (const d of posted) {
    const t = touched.get(d.document_id) ?? { held: false };
    t.held ||= d.seq > 0;
    touched.set(d.document_id, t);
  }
  return {
    lastId: docs.at(-1)!.id,
    movements: movements.length,
    documents: docs.map((doc) => {
      const verdict = verdicts.get(doc.id)!;
      if (quarantine.has(doc.id))
        return { doc, verdict, outcome: 'skipped', quarantine: quarantine.get(doc.id) };
      const t = touched.get(doc.id);
      return { doc, verdict, outcome: t === undefined ? 'unchanged' : t.held ? 'updated' : 'created' };
    }),
    unmapped: posted
      .filter((d) => d.unmapped)
      .map((d) => ({ sku: d.sku, document: entityOf(kind, docById.get(d.document_id)!) })),
    oversold,
  };
}

/**
 * The full re-check: every document of this kind whose lines differ from what the ledger holds, found in one
 * set-based pass over all lines and movements (far cheaper than comparing batch by batch). Only a shortlist: each
 * of them is compared again, under the ledger lock, before anything is posted.
 */
async function documentsDifferingFromLedger(
  db: Database,
  kind: DocumentKind,
  rules: PostingRules,
  source: string | undefined,
): Promise<string[]> {
  const { rows: docs } = await db.execute<{ id: string; status: string; is_complete: boolean }>(sql`
    SELECT id, status, ${sql.raw(kind.completeColumn ?? 'true')} AS is_complete FROM ${sql.raw(kind.table)}
     WHERE ${source === undefined ? sql`true` : sql`source = ${source}`}`);
  const notPosting = docs.filter((doc) => kind.verdict(rules, doc) !== 'posts').map((doc) => doc.id);
  const sign = kind.movementType === 'IN' ? sql`` : sql`-`;
  const { rows } = await db.execute<{ id: string }>(sql`
    WITH desired AS (
      SELECT l.${sql.raw(kind.linesKey)} AS document_id, l.line_no, l.item_id, ${sign}l.qty AS qty
        FROM ${sql.raw(kind.linesTable)} l
       WHERE l.${sql.raw(kind.linesKey)} NOT IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(notPosting)}::jsonb))
    ), held AS (
      SELECT document_id, line_no, item_id, sum(qty) AS qty
        FROM stock_movements WHERE document_type = ${kind.type}
       GROUP BY document_id, line_no, item_id
    )
    SELECT DISTINCT coalesce(w.document_id, h.document_id) AS id
      FROM desired w
      FULL JOIN held h ON h.document_id = w.document_id AND h.line_no = w.line_no AND h.item_id = w.item_id
     WHERE coalesce(w.qty, 0) <> coalesce(h.qty, 0)`);
  return rows.map((r) => r.id);
}

const firstId = '00000000-0000-0000-0000-000000000000';

/** Posts every document whose desired movements differ from the ledger; records counters and events on the run. */
export async function postStock(
  db: Database,
  ctx: RunContext,
  options: PostStockOptions = {},
): Promise<PostStockResult> {
  const rules = options.rules ?? defaultPostingRules;
  const selection = {
    full: options.full ?? false,
    batchSize: options.batchSize ?? 500,
    source: options.source,
  };
  const result: PostStockResult = {
    documents: 0,
    movements: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    oversoldItems: [],
    quarantinedInvoices: [],
    unknownStatusDocuments: [],
    interrupted: false,
  };
  const warnedUnmapped = new Set<string>();
  const warnedOversold = new Set<string>();
  const kinds = [purchaseOrderKind, salesInvoiceKind];
  const alsoIds = new Map<DocumentKind, string[]>();
  if (selection.full)
    for (const kind of kinds)
      alsoIds.set(kind, await documentsDifferingFromLedger(db, kind, rules, selection.source));
  let total = 0;
  for (const kind of kinds) total += await countToPost(db, kind, selection.source, alsoIds.get(kind));

  for (const kind of kinds) {
    let after = firstId;
    for (;;) {
      if (ctx.signal.aborted) {
        result.interrupted = true;
        await ctx.event({
          level: 'info',
          message: `Stopped posting after ${result.documents} documents because the worker is shutting down; the next run continues.`,
        });
        return result;
      }
      const batch = await inLedgerTransaction(db, async (tx) => {
        const docs = await selectDocuments(tx, kind, after, { ...selection, alsoIds: alsoIds.get(kind) });
        return docs.length === 0 ? null : postBatch(tx, kind, ctx, rules, docs);
      });
      if (batch === null) break;
      after = batch.lastId;
      result.movements += batch.movements;
      for (const { doc, verdict, outcome, quarantine } of batch.documents) {
        result.documents += 1;
        result[outcome] += 1;
        ctx.count(outcome);
        if (verdict === 'unknown' && doc.dirty) {
          result.unknownStatusDocuments.push(entityOf(kind, doc));
          await ctx.event({
            level: 'warn',
            entity: entityOf(kind, doc),
            message:
              `${kind.label} ${doc.number} has status "${doc.status}", which the ledger does not know, so it moves no stock. ` +
              `If this status means the goods moved, add it to ${kind.statusesVariable}.`,
            details: { status: doc.status },
          });
        }
        if (quarantine !== undefined) {
          result.quarantinedInvoices.push(doc.number);
          await ctx.event({
            level: 'warn',
            entity: entityOf(kind, doc),
            message: `${kind.label} ${doc.number} was not posted: it ${quarantine}.`,
          });
        }
      }
      for (const u of batch.unmapped) {
        if (warnedUnmapped.has(u.sku)) continue;
        warnedUnmapped.add(u.sku);
        await ctx.event({
          level: 'warn',
          entity: `item:${u.sku}`,
          message:
            `Stock moved on unmapped item ${u.sku} (first seen on ${u.document}). Map the portal's code to the right item ` +
            `with PUT /api/items/aliases/<source>/<code>, or describe the item with PUT /api/items/${encodeURIComponent(u.sku)}.`,
        });
      }
      for (const o of batch.oversold) {
        if (warnedOversold.has(o.sku)) continue;
        warnedOversold.add(o.sku);
        result.oversoldItems.push(o.sku);
        await ctx.event({
          level: 'warn',
          entity: `item:${o.sku}`,
          message: `Item ${o.sku} is oversold: on hand is ${Number(o.onHand)} after ${o.document}. Check for a missing purchase order or a count adjustment.`,
          details: { onHand: o.onHand },
        });
      }
      await ctx.progress({ processed: result.documents, total, note: `${kind.label.toLowerCase()}s` });
    }
  }
  return result;
}

async function countToPost(
  db: Database,
  kind: DocumentKind,
  source: string | undefined,
  alsoIds?: string[],
): Promise<number> {
  const pending = toPost(alsoIds);
  const { rows } = await db.execute<{ n: number }>(sql`
    SELECT count(*) AS n FROM ${sql.raw(kind.table)}
     WHERE ${pending} AND ${source === undefined ? sql`true` : sql`source = ${source}`}`);
  return Number(rows[0]!.n);
}
