/** Errors of the inventory ledger, written for the person who has to act on them. */
import type { z } from 'zod';

/** A document handed to the ledger does not hold together; nothing of it was written. */
export class DocumentRejectedError extends Error {
  constructor(
    readonly document: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(
      `${document} was not stored because ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}. ` +
        'Nothing of it was written; fix the parser or the source data and sync it again.',
    );
    this.name = 'DocumentRejectedError';
  }

  static fromZod(document: string, error: z.ZodError): DocumentRejectedError {
    return new DocumentRejectedError(
      document,
      error.issues.map((issue) => ({
        field: issue.path.length > 0 ? issue.path.join('.') : '(document)',
        message: issue.message,
      })),
    );
  }
}

/** An item named by SKU does not exist. */
export class ItemNotFoundError extends Error {
  constructor(readonly sku: string) {
    super(
      `No item has SKU "${sku}"; create it first (PUT /api/items/${encodeURIComponent(sku)}) or check the spelling.`,
    );
    this.name = 'ItemNotFoundError';
  }
}
