/**
 * Pure mapping of a CRM sales quote to a Siagh sales pre-invoice: the sale model from the quote type (`PI_5` → 5),
 * one item line per quote line with its quantity, unit price and discount amount, and a description naming the quote.
 * What Siagh could not take faithfully (a type that names no sale model, a line without product code or unit, a
 * quantity that is not positive) is a reason to hold the quote, never a guess.
 */
import type { CrmQuote } from '../../connectors/payamgostar/schemas.js';
import type { SiaghPreInvoiceInput, SiaghPreInvoiceLine } from '../../connectors/siagh/forms.js';
import { checksumOf } from './checksum.js';

/** The pre-invoice without what only the sync knows when it sends it: the suid, customer code and fiscal year. */
export type PreInvoiceDraft = Omit<SiaghPreInvoiceInput, 'suid' | 'customerCode' | 'fiscalYear'>;

export type QuoteMapping = { ok: true; draft: PreInvoiceDraft } | { ok: false; reason: string };

const quoteType = /^PI_(\d+)$/i;

/** The sale model a quote type stands for: `PI_5` → 5; undefined for any other type. */
export function saleModelOf(typeCode: string): number | undefined {
  const match = quoteType.exec(typeCode.trim());
  const model = match ? Number(match[1]) : NaN;
  return Number.isSafeInteger(model) && model > 0 ? model : undefined;
}

function lineOf(
  line: CrmQuote['details'][number],
  n: number,
): { line: SiaghPreInvoiceLine } | { problem: string } {
  const what = `line ${n}${line.productName ? ` (${line.productName})` : ''}`;
  const itemCode = line.productCode?.trim();
  if (!itemCode) return { problem: `${what} has no product code, which is Siagh's item code` };
  const unitName = line.productUnitTypeName?.trim();
  if (!unitName) return { problem: `${what} has no unit` };
  if (!(line.count > 0))
    return { problem: `${what} has quantity ${line.count}; Siagh takes only positive ones` };
  if (!(line.baseUnitPrice >= 0))
    return { problem: `${what} has the negative unit price ${line.baseUnitPrice}` };
  const discount = line.totalDiscount ?? 0;
  if (!(discount >= 0)) return { problem: `${what} has the negative discount ${discount}` };
  return {
    line: {
      itemCode,
      unitName,
      quantity: line.count,
      unitPrice: line.baseUnitPrice,
      discountAmount: discount,
    },
  };
}

export function preInvoiceFromQuote(quote: CrmQuote, salesCenter?: number): QuoteMapping {
  const saleModel = saleModelOf(quote.crmObjectTypeCode);
  if (saleModel === undefined)
    return {
      ok: false,
      reason: `its type "${quote.crmObjectTypeCode}" is not PI_<sale model>, so Siagh's sale model cannot be chosen`,
    };
  if (quote.details.length === 0) return { ok: false, reason: 'it has no lines' };
  const lines: SiaghPreInvoiceLine[] = [];
  const problems: string[] = [];
  quote.details.forEach((detail, i) => {
    const mapped = lineOf(detail, i + 1);
    if ('problem' in mapped) problems.push(mapped.problem);
    else lines.push(mapped.line);
  });
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  const subject = quote.subject?.trim();
  return {
    ok: true,
    draft: {
      saleModel,
      ...(salesCenter === undefined ? {} : { salesCenter }),
      description: `CRM quote ${quote.number ?? quote.crmId}${subject ? ` — ${subject}` : ''}`,
      lines,
    },
  };
}

/** What identifies a quote's content: a quote edited after its pre-invoice was made has another checksum. */
export function quoteChecksum(quote: CrmQuote): string {
  return checksumOf({
    identityId: quote.identityId,
    type: quote.crmObjectTypeCode,
    subject: quote.subject ?? null,
    lines: quote.details.map((d) => ({
      productCode: d.productCode ?? null,
      unit: d.productUnitTypeName ?? null,
      count: d.count,
      price: d.baseUnitPrice,
      discount: d.totalDiscount ?? 0,
    })),
  });
}
