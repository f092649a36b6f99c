/**
 * RouteStar's invoices as the ledger's sales invoices: a list row with (or without) its detail page, or a stored
 * invoice whose detail page was read again. Pure mapping, no I/O.
 */
import type { SalesInvoiceDetails, SalesInvoiceInput } from '../../ledger/index.js';
import type { salesInvoices } from '../../models/index.js';
import type { DocumentRef } from '../crawl/record.js';
import type { InvoiceDetail, InvoiceListRow } from './parse.js';

export const SOURCE = 'routestar';

export type StoredInvoice = typeof salesInvoices.$inferSelect;

export const invoiceEntity = (invoiceNumber: string) => `sales_invoice:${SOURCE}/${invoiceNumber}`;

export function invoiceRef(input: SalesInvoiceInput): DocumentRef {
  return {
    entity: invoiceEntity(input.invoiceNumber),
    label: `Invoice ${input.invoiceNumber}`,
    lines: input.lines?.length,
  };
}

/** What the list showed of a row, kept verbatim: the ledger's list checksum is computed from it. */
export function rawOf(row: InvoiceListRow): Record<string, unknown> {
  return { list: row.listType, cells: row.cells };
}

/** A list row, with its detail page when it was read (without, the invoice is stored without lines). */
export function invoiceFromRow(row: InvoiceListRow, detail?: InvoiceDetail): SalesInvoiceInput {
  return {
    source: SOURCE,
    invoiceNumber: row.invoiceNumber,
    listType: row.listType,
    status: row.status,
    isComplete: row.isComplete,
    isPosted: row.isPosted,
    customer: row.customer,
    invoiceDate: row.invoiceDate,
    dateCompleted: row.dateCompleted,
    lastModified: row.lastModified,
    subtotal: detail?.subtotal ?? row.subtotal,
    tax: detail?.tax ?? null,
    total: detail?.total ?? row.total,
    detailUrl: row.detailUrl,
    details: detail ? detailsOf(detail) : undefined,
    raw: rawOf(row),
    lines: detail ? linesOf(detail) : undefined,
  };
}

/** A stored invoice with its detail page read again. */
export function invoiceFromStored(stored: StoredInvoice, detail: InvoiceDetail): SalesInvoiceInput {
  const amount = (v: string | null) => (v === null ? null : Number(v));
  return {
    source: SOURCE,
    invoiceNumber: stored.invoiceNumber,
    listType: stored.listType,
    status: stored.status,
    isComplete: stored.isComplete,
    isPosted: stored.isPosted,
    customer: stored.customer,
    invoiceDate: stored.invoiceDate,
    dateCompleted: stored.dateCompleted,
    lastModified: stored.lastModified,
    subtotal: detail.subtotal ?? amount(stored.subtotal),
    tax: detail.tax ?? amount(stored.tax),
    total: detail.total ?? amount(stored.total),
    detailUrl: stored.detailUrl,
    details: detailsOf(detail),
    // The same raw list row keeps the list checksum, so the next incremental run still sees it as unchanged.
    raw: stored.raw,
    lines: linesOf(detail),
  };
}

function detailsOf(detail: InvoiceDetail): SalesInvoiceDetails {
  const { signedBy, memo, serviceNotes, salesTaxRate, email, phone } = detail;
  return { signedBy, memo, serviceNotes, salesTaxRate, email, phone };
}

function linesOf(detail: InvoiceDetail): NonNullable<SalesInvoiceInput['lines']> {
  return detail.lines.map((l) => ({
    lineNo: l.lineNo,
    itemName: l.itemName,
    description: l.description,
    qty: l.qty,
    rate: l.rate,
    amount: l.amount,
    class: l.class,
    warehouse: l.warehouse,
    taxCode: l.taxCode,
    location: l.location,
  }));
}
