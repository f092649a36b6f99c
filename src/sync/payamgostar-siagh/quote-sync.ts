/**
 * Phase 3, CRM quotes → Siagh sales pre-invoices, one way only. The quote's customer must be in Siagh first: it is
 * synced on the spot, or the quote waits with the reason and the poll tries it again. Each quote becomes exactly one
 * pre-invoice: its `_In_Suid` is chosen once and stored in the mapping before the first send, and every later attempt
 * (a retry after a timeout, a run after a crash) looks the suid up in Siagh before sending, so what an earlier attempt
 * created is found, never made twice. The pre-invoice number is the one in Siagh's Persian success text.
 */
import { PayamgostarError } from '../../connectors/payamgostar/errors.js';
import { SiaghBusinessError, SiaghInputError } from '../../connectors/siagh/errors.js';
import { newSuid } from '../../connectors/siagh/forms.js';
import type { CrmQuote } from '../../connectors/payamgostar/schemas.js';
import type { RunContext } from '../../jobs/types.js';
import { failureDetails, report, type FlowDeps, type Outcome } from './context.js';
import { syncCustomer } from './customer-sync.js';
import { preInvoiceFromQuote, quoteChecksum } from './quote-mapping.js';
import { RecordSync } from './record-sync.js';
import { insertMapping, mappingByCrmId, updateMapping, type Mapping, type MappingState } from './store.js';

export type QuoteResult =
  | { outcome: 'created' | 'found' | 'unchanged'; number: number }
  | { outcome: 'waiting' | 'quarantined' | 'failed' | 'missing'; reason: string };

export interface QuoteSyncOptions {
  /** A person asked for it: a quarantined or failed quote is tried again even if unchanged. */
  force?: boolean;
}

export async function syncQuote(
  deps: FlowDeps,
  ctx: RunContext,
  quoteId: string,
  options: QuoteSyncOptions = {},
): Promise<QuoteResult> {
  const id = quoteId.toLowerCase();
  return deps.locks.with(`quote:${id}`, () => new QuoteSync(deps, ctx, id, options).run());
}

class QuoteSync extends RecordSync<QuoteResult, QuoteSyncOptions> {
  private mapping: Mapping | undefined;

  protected async sync(): Promise<QuoteResult> {
    this.mapping = await mappingByCrmId(this.deps.db, 'pre-invoice', this.crmId);
    const quote = await this.readQuote();
    if (!quote) return { outcome: 'missing', reason: 'not in the CRM' };
    const checksum = quoteChecksum(quote);
    if (this.mapping?.siaghId) return this.alreadyMade(this.mapping, checksum);
    const held = this.mapping?.state === 'quarantined' || this.mapping?.state === 'failed';
    if (held && this.mapping?.crmChecksum === checksum && !this.options.force) {
      await this.report({
        counter: 'skipped',
        level: 'debug',
        action: this.mapping.state === 'failed' ? 'failed' : 'quarantined',
        message: `Unchanged in the CRM since it was held back: ${this.mapping.reason ?? ''}`,
      });
      return { outcome: this.mapping.state as 'quarantined', reason: this.mapping.reason ?? '' };
    }
    const mapped = preInvoiceFromQuote(quote, this.deps.settings.salesCenter);
    if (!mapped.ok)
      return this.hold(
        'quarantined',
        checksum,
        `Quote ${quote.number ?? ''} cannot become a pre-invoice: ${mapped.reason}`,
      );
    const customerCode = await this.customerCode(quote);
    if (typeof customerCode === 'string') return this.hold('waiting', checksum, customerCode);

    const hadSuid = this.mapping?.suid != null;
    const suid = this.mapping?.suid ?? newSuid();
    // The suid is committed before anything is sent: whatever happens next, a later attempt looks it up first.
    const claim = { state: 'creating' as const, suid, crmKind: 'quote', crmChecksum: checksum, reason: null };
    this.mapping = this.mapping
      ? await updateMapping(this.deps.db, this.mapping.id, claim)
      : await insertMapping(this.deps.db, { entityType: 'pre-invoice', crmId: this.crmId, ...claim });
    const fiscalYear = await this.deps.siagh.fiscalYear({ signal: this.ctx.signal });
    let saved;
    try {
      saved = await this.deps.siagh.createPreInvoice(
        { ...mapped.draft, suid, customerCode, fiscalYear },
        { signal: this.ctx.signal, lookFirst: hadSuid },
      );
    } catch (error) {
      if (error instanceof SiaghInputError) return this.hold('quarantined', checksum, error.message);
      throw error;
    }
    this.mapping = await updateMapping(this.deps.db, this.mapping.id, {
      siaghId: String(saved.number),
      state: 'synced',
      reason: null,
      lastError: null,
      siaghState: { number: saved.number, internalId: saved.internalId ?? null, customerCode, fiscalYear },
      lastSyncTransactionId: suid,
      lastSyncSource: 'crm',
      lastSyncedAt: new Date(),
      siaghWrittenAt: new Date(),
      siaghWrittenFields: ['*'],
    });
    // Found by its suid, it is still this quote's pre-invoice coming into the books now: an attempt that lost its reply
    // (in this run or one before) made it, and nothing recorded it until here.
    await this.report({
      counter: 'created',
      level: 'info',
      action: saved.alreadyExisted ? 'linked' : 'created',
      siaghId: String(saved.number),
      transactionId: suid,
      message: saved.alreadyExisted
        ? `Pre-invoice ${saved.number} was already made from quote ${quote.number ?? this.crmId} by an earlier attempt (found by its suid ${suid}); not created again`
        : `Pre-invoice ${saved.number} created in Siagh from quote ${quote.number ?? this.crmId} for customer ${customerCode}${saved.messages.length > 0 ? `: ${saved.messages[0]}` : ''}`,
    });
    return { outcome: saved.alreadyExisted ? 'found' : 'created', number: saved.number };
  }

  private async readQuote(): Promise<CrmQuote | undefined> {
    try {
      return await this.deps.crm.getQuote(this.crmId, { signal: this.ctx.signal });
    } catch (error) {
      if (!(error instanceof PayamgostarError) || error.kind !== 'not-found') throw error;
      await this.report({
        counter: 'skipped',
        level: 'warn',
        action: 'failed',
        message: `CRM quote ${this.crmId} was not found in the CRM (deleted?); no pre-invoice made`,
      });
      return undefined;
    }
  }

  /** Pre-invoices are made once: a quote edited afterwards is reported, once per edit, and Siagh is left alone. */
  private async alreadyMade(mapping: Mapping, checksum: string): Promise<QuoteResult> {
    const number = Number(mapping.siaghId);
    if (mapping.crmChecksum === checksum) {
      await this.report({
        counter: 'unchanged',
        level: 'debug',
        action: 'unchanged',
        siaghId: mapping.siaghId,
        message: `Pre-invoice ${number} was made from this quote already`,
      });
      return { outcome: 'unchanged', number };
    }
    await updateMapping(this.deps.db, mapping.id, { crmChecksum: checksum });
    await this.report({
      counter: 'skipped',
      level: 'warn',
      action: 'drift',
      siaghId: mapping.siaghId,
      message: `The quote was changed in the CRM after pre-invoice ${number} was made from it; pre-invoices are made once, so change pre-invoice ${number} in Siagh by hand if it should follow`,
    });
    return { outcome: 'unchanged', number };
  }

  /** The customer's Siagh code, syncing the customer first when needed; else why the quote must wait. */
  private async customerCode(quote: CrmQuote): Promise<number | string> {
    const customer = await mappingByCrmId(this.deps.db, 'customer', quote.identityId);
    if (customer?.siaghId) return Number(customer.siaghId);
    const synced = await syncCustomer(this.deps, this.ctx, quote.identityId);
    if ('siaghCode' in synced) return synced.siaghCode;
    return `its customer (CRM identity ${quote.identityId}) is not in Siagh yet: ${synced.reason}. The quote is tried again by the poll once the customer is synced`;
  }

  private async hold(state: MappingState, checksum: string, reason: string): Promise<QuoteResult> {
    const values = { state, reason, crmKind: 'quote', crmChecksum: checksum };
    this.mapping = this.mapping
      ? await updateMapping(this.deps.db, this.mapping.id, values)
      : await insertMapping(this.deps.db, { entityType: 'pre-invoice', crmId: this.crmId, ...values });
    await this.report({
      counter: state === 'waiting' ? 'skipped' : 'failed',
      level: 'warn',
      action: state === 'waiting' ? 'waiting' : 'quarantined',
      message: `${state === 'waiting' ? 'Quote waits' : 'Quote quarantined, nothing sent to Siagh'}: ${reason}`,
    });
    return { outcome: state === 'waiting' ? 'waiting' : 'quarantined', reason };
  }

  protected async fail(error: unknown): Promise<QuoteResult> {
    const details = failureDetails(error);
    const refused = error instanceof SiaghBusinessError;
    // A refusal holds the quote until it changes; any other failure leaves it to be tried again by the poll (a
    // pre-invoice whose reply was lost is then found by its suid).
    const values = {
      reason: details.message,
      lastError: { ...details, at: new Date().toISOString() },
    };
    this.mapping = this.mapping
      ? await updateMapping(this.deps.db, this.mapping.id, {
          ...values,
          ...(refused ? { state: 'failed' as const } : {}),
        })
      : await insertMapping(this.deps.db, {
          entityType: 'pre-invoice',
          crmId: this.crmId,
          crmKind: 'quote',
          state: 'failed',
          ...values,
        });
    await this.report({
      counter: 'failed',
      level: 'error',
      action: 'failed',
      message: `Quote not made into a pre-invoice${refused ? ' (Siagh refused it)' : ''}: ${details.message}`,
      details,
    });
    return { outcome: 'failed', reason: details.message };
  }

  private report(outcome: Omit<Outcome, 'entityType' | 'crmId' | 'direction'>): Promise<void> {
    return report(this.deps, this.ctx, {
      entityType: 'pre-invoice',
      crmId: this.crmId,
      direction: 'crm→siagh',
      transactionId: this.mapping?.suid ?? undefined,
      ...outcome,
    });
  }
}
