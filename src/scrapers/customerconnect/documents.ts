/**
 * CustomerConnect's orders as the ledger's purchase orders, and what about an order a person should check before its
 * stock is trusted. Pure, no I/O.
 */
import type { PurchaseOrderInput } from '../../ledger/index.js';
import type { DocumentRef } from '../crawl/record.js';
import type { OrderDetail, OrderListRow } from './parse.js';
import type { CustomerConnectProfile } from './profile.js';

export const customerConnectSource = 'customerconnect';

export const orderEntity = (orderNumber: string) => `purchase_order:${orderNumber}`;

export function orderRef(input: PurchaseOrderInput): DocumentRef {
  return {
    entity: orderEntity(input.orderNumber),
    label: `Order ${input.orderNumber}`,
    lines: input.lines?.length,
  };
}

export function purchaseOrderInput(row: OrderListRow, detail: OrderDetail | undefined): PurchaseOrderInput {
  return {
    source: customerConnectSource,
    orderNumber: row.orderNumber,
    poNumber: row.poNumbers.length > 0 ? row.poNumbers.join(', ') : null,
    vendor: row.vendors.length > 0 ? row.vendors.join(', ') : null,
    status: row.status,
    orderDate: row.orderDate,
    subtotal: detail?.subtotal ?? null,
    tax: detail?.tax ?? null,
    shipping: detail?.shipping ?? null,
    total: detail?.total ?? row.total,
    detailUrl: row.detailUrl,
    // Only what the list shows: the stored checksum must equal the next run's checksum of an unchanged row.
    raw: row.raw,
    lines: detail?.lines.map(({ lineNo, sku, name, qty, unitPrice, lineTotal }) => ({
      lineNo,
      sku,
      name,
      qty,
      unitPrice,
      lineTotal,
    })),
  };
}

/**
 * Stored as read, but worth a person's look: a line without a Model, totals that disagree between the list and the
 * page, a date after tomorrow in the portal's time zone (`latestPlausibleDate`), which means a misread date format.
 */
export function orderWarnings(
  row: OrderListRow,
  detail: OrderDetail,
  profile: CustomerConnectProfile,
  latestPlausibleDate: string,
): string[] {
  const order = row.orderNumber;
  const warnings = detail.lines
    .filter((line) => line.skuFromName)
    .map(
      (line) =>
        `Order ${order} line ${line.lineNo} has no Model; its product name "${line.name}" is used as the SKU. Map it with an item alias if it is a known item.`,
    );
  if (row.total !== null && Math.abs(row.total - detail.total) > 0.005) {
    warnings.push(
      `Order ${order} shows total ${row.total.toFixed(2)} on the list but ${detail.total.toFixed(2)} on its page; the page's total is kept.`,
    );
  }
  if (row.orderDate > latestPlausibleDate) {
    warnings.push(
      `Order ${order} is dated ${row.orderDate}, after today in ${profile.formats.timeZone}. If dates look swapped, check the profile's date format (${profile.formats.date}).`,
    );
  }
  return warnings;
}
