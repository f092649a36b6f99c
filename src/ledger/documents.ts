/**
 * The document store the portal syncs write into: purchase orders (stock IN) and sales invoices (stock OUT), upserted
 * by their number within a source. Storing a document never moves stock by itself; it marks the document for
 * posting (`postStock`), which compares what the document asks for with what the ledger holds.
 */
import { and, eq, inArray, isNotNull, isNull, notInArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../db/database.js';
import { purchaseOrderLines, purchaseOrders, salesInvoiceLines, salesInvoices } from '../models/index.js';
import { firstUnstorable } from '../storable-text.js';
import { checksum, listChecksum } from './checksum.js';
import { DocumentRejectedError } from './errors.js';
import { resolveItems } from './items.js';

export { listChecksum };

export interface PurchaseOrderLineInput {
  lineNo: number;
  sku: string;
  name: string;
  qty: number;
  unitPrice: number | null;
  lineTotal: number | null;
}

export interface PurchaseOrderInput {
  source: string;
  orderNumber: string;
  poNumber: string | null;
  vendor: string | null;
  status: string;
  /** 'YYYY-MM-DD', the business day in America/New_York. */
  orderDate: string | null;
  subtotal: number | null;
  tax: number | null;
  shipping: number | null;
  total: number | null;
  detailUrl: string | null;
  raw: unknown;
  /** undefined: the details were not read this time, keep the stored lines. */
  lines?: PurchaseOrderLineInput[];
}

export interface SalesInvoiceLineInput {
  lineNo: number;
  itemName: string;
  description: string | null;
  qty: number;
  rate: number | null;
  amount: number | null;
  class: string | null;
  warehouse: string | null;
  taxCode: string | null;
  location: string | null;
}

export interface SalesInvoiceInput {
  source: string;
  invoiceNumber: string;
  listType: 'pending' | 'closed';
  status: string;
  isComplete: boolean;
  isPosted: boolean;
  customer: string | null;
  invoiceDate: string | null;
  dateCompleted: string | null;
  lastModified: string | null;
  subtotal: number | null;
  tax: number | null;
  total: number | null;
  detailUrl: string | null;
  details?: SalesInvoiceDetails;
  raw: unknown;
  lines?: SalesInvoiceLineInput[];
}

/** The detail page's header fields other than the totals. */
export interface SalesInvoiceDetails {
  signedBy: string | null;
  memo: string | null;
  serviceNotes: string | null;
  salesTaxRate: string | null;
  email: string | null;
  phone: string | null;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

export interface UpsertResult {
  id: string;
  outcome: UpsertOutcome;
  /** Codes on this document nobody had seen: an unmapped item now holds each, waiting for a person to map it. */
  unmappedItemsCreated: string[];
}

const text = z.string().trim().min(1, { message: 'must not be empty' });
const optionalText = z.string().nullable();
const amount = z.number().finite({ message: 'must be a finite number' }).nullable();
const businessDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date as YYYY-MM-DD' })
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    {
      message: 'is not a calendar date',
    },
  )
  .nullable();
const lineNo = z.number().int({ message: 'must be a whole number' }).min(0);
const quantity = z.number().finite({ message: 'must be a finite number' });

function uniqueLineNumbers(lines: { lineNo: number }[] | undefined, ctx: z.RefinementCtx): void {
  const seen = new Set<number>();
  lines?.forEach((line, index) => {
    if (seen.has(line.lineNo))
      ctx.addIssue({
        code: 'custom',
        path: ['lines', index, 'lineNo'],
        message: `line number ${line.lineNo} appears twice`,
      });
    seen.add(line.lineNo);
  });
}

export const purchaseOrderInputSchema = z
  .object({
    source: text,
    orderNumber: text,
    poNumber: optionalText,
    vendor: optionalText,
    status: z.string().trim(),
    orderDate: businessDay,
    subtotal: amount,
    tax: amount,
    shipping: amount,
    total: amount,
    detailUrl: optionalText,
    raw: z.unknown(),
    lines: z
      .array(
        z.object({
          lineNo,
          sku: text,
          name: z.string(),
          qty: quantity,
          unitPrice: amount,
          lineTotal: amount,
        }),
      )
      .optional(),
  })
  .superRefine((po, ctx) => uniqueLineNumbers(po.lines, ctx));

export const salesInvoiceInputSchema = z
  .object({
    source: text,
    invoiceNumber: text,
    listType: z.enum(['pending', 'closed']),
    status: z.string().trim(),
    isComplete: z.boolean(),
    isPosted: z.boolean(),
    customer: optionalText,
    invoiceDate: businessDay,
    dateCompleted: optionalText,
    lastModified: optionalText,
    subtotal: amount,
    tax: amount,
    total: amount,
    detailUrl: optionalText,
    /** Replaces the stored ones only when given, like the lines. */
    details: z
      .object({
        signedBy: optionalText,
        memo: optionalText,
        serviceNotes: optionalText,
        salesTaxRate: optionalText,
        email: optionalText,
        phone: optionalText,
      })
      .optional(),
    raw: z.unknown(),
    lines: z
      .array(
        z.object({
          lineNo,
          itemName: text,
          description: optionalText,
          qty: quantity,
          rate: amount,
          amount,
          class: optionalText,
          warehouse: optionalText,
          taxCode: optionalText,
          location: optionalText,
        }),
      )
      .optional(),
  })
  .superRefine((si, ctx) => uniqueLineNumbers(si.lines, ctx));

const decimal = (n: number | null): string | null => (n === null ? null : String(n));

function parseDocument<T>(schema: z.ZodType<T>, input: unknown, label: string): T {
  const result = schema.safeParse(input);
  if (!result.success) throw DocumentRejectedError.fromZod(label, result.error);
  // Parsed HTML carries no NUL (the parser drops it), but script-made text can hold an unpaired surrogate.
  const unstorable = firstUnstorable(result.data);
  if (unstorable)
    throw new DocumentRejectedError(label, [{ field: unstorable.path, message: unstorable.reason }]);
  return result.data;
}

function describe(kind: string, input: unknown, numberField: string): string {
  const record = (input ?? {}) as Record<string, unknown>;
  return `${kind} ${String(record.source ?? '?')}/${String(record[numberField] ?? '?')}`;
}

/** Stores a purchase order read from a portal; lines are replaced only when given and different. */
export async function upsertPurchaseOrder(db: Queryable, input: PurchaseOrderInput): Promise<UpsertResult> {
  const po = parseDocument(purchaseOrderInputSchema, input, describe('Purchase order', input, 'orderNumber'));
  const { lines: givenLines, ...header } = po;
  const lines = givenLines ? [...givenLines].sort((a, b) => a.lineNo - b.lineNo) : undefined;
  const header_ = {
    poNumber: po.poNumber,
    vendor: po.vendor,
    status: po.status,
    orderDate: po.orderDate,
    subtotal: decimal(po.subtotal),
    tax: decimal(po.tax),
    shipping: decimal(po.shipping),
    total: decimal(po.total),
    detailUrl: po.detailUrl,
    raw: po.raw === undefined ? null : po.raw,
    listChecksum: listChecksum(po.raw),
    headerChecksum: checksum(header),
  };
  const linesChecksum = lines ? checksum(lines) : undefined;

  return db.transaction(async (tx) => {
    const resolved = lines
      ? await resolveItems(
          tx,
          po.source,
          lines.map((l) => ({ code: l.sku, name: l.name })),
        )
      : { itemIdByCode: new Map<string, string>(), createdUnmapped: [] };
    const lineRows = (documentId: string) =>
      (lines ?? []).map((l) => ({
        purchaseOrderId: documentId,
        lineNo: l.lineNo,
        sku: l.sku,
        itemId: resolved.itemIdByCode.get(l.sku.trim().toUpperCase())!,
        name: l.name,
        qty: String(l.qty),
        unitPrice: decimal(l.unitPrice),
        lineTotal: decimal(l.lineTotal),
      }));

    const [inserted] = await tx
      .insert(purchaseOrders)
      .values({
        source: po.source,
        orderNumber: po.orderNumber,
        ...header_,
        linesChecksum: linesChecksum ?? null,
        lineCount: lines?.length ?? 0,
      })
      .onConflictDoNothing({ target: [purchaseOrders.source, purchaseOrders.orderNumber] })
      .returning({ id: purchaseOrders.id });
    if (inserted) {
      if (lines && lines.length > 0) await tx.insert(purchaseOrderLines).values(lineRows(inserted.id));
      return { id: inserted.id, outcome: 'created', unmappedItemsCreated: resolved.createdUnmapped };
    }

    const [stored] = await tx
      .select({
        id: purchaseOrders.id,
        headerChecksum: purchaseOrders.headerChecksum,
        linesChecksum: purchaseOrders.linesChecksum,
      })
      .from(purchaseOrders)
      .where(and(eq(purchaseOrders.source, po.source), eq(purchaseOrders.orderNumber, po.orderNumber)))
      .for('update');
    const id = stored!.id;
    const linesChanged = linesChecksum !== undefined && linesChecksum !== stored!.linesChecksum;
    if (!linesChanged && stored!.headerChecksum === header_.headerChecksum)
      return { id, outcome: 'unchanged', unmappedItemsCreated: resolved.createdUnmapped };
    if (linesChanged) {
      await tx.delete(purchaseOrderLines).where(eq(purchaseOrderLines.purchaseOrderId, id));
      if (lines!.length > 0) await tx.insert(purchaseOrderLines).values(lineRows(id));
    }
    await tx
      .update(purchaseOrders)
      .set({
        ...header_,
        ...(linesChanged ? { linesChecksum, lineCount: lines!.length } : {}),
        postingRevision: sql`${purchaseOrders.postingRevision} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(purchaseOrders.id, id));
    return { id, outcome: 'updated', unmappedItemsCreated: resolved.createdUnmapped };
  });
}

/** Stores a sales invoice read from a portal; lines are replaced only when given and different. */
export async function upsertSalesInvoice(db: Queryable, input: SalesInvoiceInput): Promise<UpsertResult> {
  const si = parseDocument(salesInvoiceInputSchema, input, describe('Sales invoice', input, 'invoiceNumber'));
  const { lines: givenLines, ...header } = si;
  const lines = givenLines ? [...givenLines].sort((a, b) => a.lineNo - b.lineNo) : undefined;
  const header_ = {
    listType: si.listType,
    status: si.status,
    isComplete: si.isComplete,
    isPosted: si.isPosted,
    customer: si.customer,
    invoiceDate: si.invoiceDate,
    dateCompleted: si.dateCompleted,
    lastModified: si.lastModified,
    subtotal: decimal(si.subtotal),
    tax: decimal(si.tax),
    total: decimal(si.total),
    detailUrl: si.detailUrl,
    ...(si.details ? { details: si.details } : {}),
    raw: si.raw === undefined ? null : si.raw,
    listChecksum: listChecksum(si.raw),
    headerChecksum: checksum(header),
    // Seen again in a list: whatever made it look missing is over.
    missingSince: null,
  };
  const linesChecksum = lines ? checksum(lines) : undefined;

  return db.transaction(async (tx) => {
    const resolved = lines
      ? await resolveItems(
          tx,
          si.source,
          lines.map((l) => ({ code: l.itemName, name: l.description ?? l.itemName })),
        )
      : { itemIdByCode: new Map<string, string>(), createdUnmapped: [] };
    const lineRows = (documentId: string) =>
      (lines ?? []).map((l) => ({
        salesInvoiceId: documentId,
        lineNo: l.lineNo,
        itemName: l.itemName,
        itemId: resolved.itemIdByCode.get(l.itemName.trim().toUpperCase())!,
        description: l.description,
        qty: String(l.qty),
        rate: decimal(l.rate),
        amount: decimal(l.amount),
        class: l.class,
        warehouse: l.warehouse,
        taxCode: l.taxCode,
        location: l.location,
      }));

    const [inserted] = await tx
      .insert(salesInvoices)
      .values({
        source: si.source,
        invoiceNumber: si.invoiceNumber,
        ...header_,
        linesChecksum: linesChecksum ?? null,
        lineCount: lines?.length ?? 0,
      })
      .onConflictDoNothing({ target: [salesInvoices.source, salesInvoices.invoiceNumber] })
      .returning({ id: salesInvoices.id });
    if (inserted) {
      if (lines && lines.length > 0) await tx.insert(salesInvoiceLines).values(lineRows(inserted.id));
      return { id: inserted.id, outcome: 'created', unmappedItemsCreated: resolved.createdUnmapped };
    }

    const [stored] = await tx
      .select({
        id: salesInvoices.id,
        headerChecksum: salesInvoices.headerChecksum,
        linesChecksum: salesInvoices.linesChecksum,
        missingSince: salesInvoices.missingSince,
      })
      .from(salesInvoices)
      .where(and(eq(salesInvoices.source, si.source), eq(salesInvoices.invoiceNumber, si.invoiceNumber)))
      .for('update');
    const id = stored!.id;
    const linesChanged = linesChecksum !== undefined && linesChecksum !== stored!.linesChecksum;
    if (!linesChanged && stored!.headerChecksum === header_.headerChecksum && stored!.missingSince === null)
      return { id, outcome: 'unchanged', unmappedItemsCreated: resolved.createdUnmapped };
    if (linesChanged) {
      await tx.delete(salesInvoiceLines).where(eq(salesInvoiceLines.salesInvoiceId, id));
      if (lines!.length > 0) await tx.insert(salesInvoiceLines).values(lineRows(id));
    }
    await tx
      .update(salesInvoices)
      .set({
        ...header_,
        ...(linesChanged ? { linesChecksum, lineCount: lines!.length } : {}),
        postingRevision: sql`${salesInvoices.postingRevision} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(salesInvoices.id, id));
    return { id, outcome: 'updated', unmappedItemsCreated: resolved.createdUnmapped };
  });
}

export interface DocumentState {
  listChecksum: string;
  lineCount: number;
  /** False until a detail read stored the lines (an order can truly have none; this tells the two apart). */
  linesFetched: boolean;
}

/**
 * What an incremental scraper needs to decide whether to open a detail page, for the orders of one list page at once
 * (one query, not one per row); an order never seen is absent from the map.
 */
export async function purchaseOrderStates(
  db: Queryable,
  source: string,
  orderNumbers: string[],
): Promise<Map<string, DocumentState>> {
  if (orderNumbers.length === 0) return new Map();
  const rows = await db
    .select({
      orderNumber: purchaseOrders.orderNumber,
      listChecksum: purchaseOrders.listChecksum,
      lineCount: purchaseOrders.lineCount,
      linesChecksum: purchaseOrders.linesChecksum,
    })
    .from(purchaseOrders)
    .where(and(eq(purchaseOrders.source, source), inArray(purchaseOrders.orderNumber, orderNumbers)));
  return new Map(
    rows.map((row) => [
      row.orderNumber,
      { listChecksum: row.listChecksum, lineCount: row.lineCount, linesFetched: row.linesChecksum !== null },
    ]),
  );
}

export interface SalesInvoiceState extends DocumentState {
  /** Flagged missing from the pending list by an earlier run. */
  missing: boolean;
}

/** As `purchaseOrderStates`, for the invoices of one list page. */
export async function salesInvoiceStates(
  db: Queryable,
  source: string,
  invoiceNumbers: string[],
): Promise<Map<string, SalesInvoiceState>> {
  if (invoiceNumbers.length === 0) return new Map();
  const rows = await db
    .select({
      invoiceNumber: salesInvoices.invoiceNumber,
      listChecksum: salesInvoices.listChecksum,
      lineCount: salesInvoices.lineCount,
      linesChecksum: salesInvoices.linesChecksum,
      missingSince: salesInvoices.missingSince,
    })
    .from(salesInvoices)
    .where(and(eq(salesInvoices.source, source), inArray(salesInvoices.invoiceNumber, invoiceNumbers)));
  return new Map(
    rows.map((row) => [
      row.invoiceNumber,
      {
        listChecksum: row.listChecksum,
        lineCount: row.lineCount,
        linesFetched: row.linesChecksum !== null,
        missing: row.missingSince !== null,
      },
    ]),
  );
}

/**
 * After a complete read of the pending list: pending invoices stored before but not on the list (and not closed
 * since) are flagged missing, never deleted, so a person can find out what happened. Returns their numbers.
 */
export async function flagMissingPendingInvoices(
  db: Queryable,
  source: string,
  seenInvoiceNumbers: string[],
): Promise<string[]> {
  const rows = await db
    .update(salesInvoices)
    .set({ missingSince: new Date() })
    .where(
      and(
        eq(salesInvoices.source, source),
        eq(salesInvoices.listType, 'pending'),
        isNull(salesInvoices.missingSince),
        seenInvoiceNumbers.length > 0
          ? notInArray(salesInvoices.invoiceNumber, seenInvoiceNumbers)
          : undefined,
      ),
    )
    .returning({ invoiceNumber: salesInvoices.invoiceNumber });
  return rows.map((r) => r.invoiceNumber).sort();
}

/**
 * An invoice flagged missing is back on a list unchanged: only the flag goes, so nothing read from its detail page
 * is overwritten by the list row. True when it was flagged.
 */
export async function clearMissingFlag(
  db: Queryable,
  source: string,
  invoiceNumber: string,
): Promise<boolean> {
  const rows = await db
    .update(salesInvoices)
    .set({ missingSince: null, updatedAt: new Date() })
    .where(
      and(
        eq(salesInvoices.source, source),
        eq(salesInvoices.invoiceNumber, invoiceNumber),
        isNotNull(salesInvoices.missingSince),
      ),
    )
    .returning({ id: salesInvoices.id });
  return rows.length > 0;
}
