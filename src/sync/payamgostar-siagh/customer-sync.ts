/**
 * Phase 2, CRM → Siagh, the CRM wins: one CRM customer brought into Siagh — the one path shared by the webhook, the
 * poll and the manual sync. A mapped customer updates its Siagh contact; an unmapped one whose customer number names
 * a Siagh contact is linked to it, then updated; a new one is created in Siagh, mapped, and given its customer number
 * in the CRM. What Siagh changed on its own is reported as drift and overwritten, never copied back.
 *
 * Every write is stamped on the mapping before it is sent and recorded after (see loop-guard.ts), so its echo — the
 * CRM's webhook for the customer number we set, Siagh's notification for the contact we updated — changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { CrmIdentity } from '../../connectors/payamgostar/client.js';
import {
  CustomerNumberError,
  customerNumberOf,
  siaghCodeOf,
} from '../../connectors/payamgostar/customer-number.js';
import { PayamgostarError } from '../../connectors/payamgostar/errors.js';
import type { IdentityKind } from '../../connectors/payamgostar/webhook-notification.js';
import { SiaghBusinessError, SiaghInputError, mayHaveBeenApplied } from '../../connectors/siagh/errors.js';
import {
  contactCreateForm,
  contactUpdateForm,
  type SiaghContactInput,
} from '../../connectors/siagh/forms.js';
import type { ContactFilter } from '../../connectors/siagh/client.js';
import type { SiaghContact } from '../../connectors/siagh/schemas.js';
import type { RunContext } from '../../jobs/types.js';
import { changedFields, checksumOf } from './checksum.js';
import { failureDetails, report, type FlowDeps, type Outcome } from './context.js';
import {
  crmStateOf,
  crmStateOfInput,
  crmUpdateInput,
  siaghInputFromCrm,
  siaghStateOfContact,
  siaghStateOfInput,
  type CrmCustomerState,
} from './customer-mapping.js';
import { endsTheRun } from './failures.js';
import { classifyChange } from './loop-guard.js';
import { RecordSync } from './record-sync.js';
import {
  deleteMapping,
  insertMapping,
  mappingByCrmId,
  mappingBySiaghId,
  noPendingWrite,
  updateMapping,
  type Mapping,
} from './store.js';

export type CustomerResult =
  | { outcome: 'created' | 'updated' | 'linked' | 'unchanged' | 'echo'; siaghCode: number }
  | { outcome: 'quarantined' | 'failed' | 'busy' | 'missing'; reason: string };

export interface CustomerSyncOptions {
  /** From the webhook's type name, when it said. */
  kind?: IdentityKind;
  /** A person asked for it: the CRM's state is sent even when the checksums say nothing changed. */
  force?: boolean;
}

/** Brings one CRM customer into Siagh; never throws for a problem of this record alone. */
export async function syncCustomer(
  deps: FlowDeps,
  ctx: RunContext,
  crmId: string,
  options: CustomerSyncOptions = {},
): Promise<CustomerResult> {
  const id = crmId.toLowerCase();
  return deps.locks.with(`customer:${id}`, () => new CustomerSync(deps, ctx, id, options).run());
}

interface Read {
  identity: CrmIdentity;
  state: CrmCustomerState;
  checksum: string;
}

class CustomerSync extends RecordSync<CustomerResult, CustomerSyncOptions> {
  private readonly transactionId = randomUUID();
  private mapping: Mapping | undefined;

  protected async sync(): Promise<CustomerResult> {
    const { db } = this.deps;
    this.mapping = await mappingByCrmId(db, 'customer', this.crmId);
    if (this.mapping && this.writeInFlight(this.mapping)) return this.busy(this.mapping);
    const read = await this.readCrm();
    if (!read) return { outcome: 'missing', reason: 'not in the CRM' };

    if (!this.mapping) {
      const importing = await this.importEchoInFlight(read);
      if (importing) return importing;
    }
    if (this.mapping && !this.options.force) {
      const settled = await this.settleEcho(this.mapping, read);
      if (settled) return settled;
    }
    if (this.mapping?.siaghId) return this.update(this.mapping, read);
    if (this.mapping?.state === 'creating') {
      const recovered = await this.recoverInterruptedCreate(this.mapping, read);
      if (recovered) return recovered;
    }
    if (read.state.customerNumber) return this.link(read);
    return this.create(read);
  }

  private writeInFlight(mapping: Mapping): boolean {
    return (
      mapping.pendingTransactionId !== null &&
      mapping.pendingSince !== null &&
      Date.now() - mapping.pendingSince.getTime() < this.deps.settings.pendingStaleMs
    );
  }

  private async busy(mapping: Mapping): Promise<CustomerResult> {
    // The write under way read the record before this notification; the poll compares it again first thing.
    await updateMapping(this.deps.db, mapping.id, { checkedAt: null });
    const reason = `transaction ${mapping.pendingTransactionId} is writing it to ${mapping.pendingTarget === 'crm' ? 'the CRM' : 'Siagh'} now; the next poll compares it again`;
    await this.report({
      counter: 'skipped',
      level: 'info',
      action: 'busy',
      message: `Customer left for now: ${reason}`,
    });
    return { outcome: 'busy', reason };
  }

  private async readCrm(): Promise<Read | undefined> {
    try {
      const kind = this.options.kind ?? (this.mapping?.crmKind as IdentityKind | null) ?? undefined;
      const identity = await this.deps.crm.getIdentity(this.crmId, kind, { signal: this.ctx.signal });
      const state = crmStateOf(identity);
      return { identity, state, checksum: checksumOf(state) };
    } catch (error) {
      if (!(error instanceof PayamgostarError) || error.kind !== 'not-found') throw error;
      await this.report({
        counter: 'skipped',
        level: 'warn',
        action: 'failed',
        message: `CRM identity ${this.crmId} was not found in the CRM (deleted?); nothing was changed in Siagh`,
      });
      return undefined;
    }
  }

  /**
   * The initial import's create of this very record, announced before the import recorded the CRM id. When the
   * import recorded it meanwhile, its row is this customer's mapping from here on.
   */
  private async importEchoInFlight(read: Read): Promise<CustomerResult | undefined> {
    const code = this.codeOf(read.state.customerNumber);
    if (code === undefined) return undefined;
    const row = await mappingBySiaghId(this.deps.db, 'customer', code);
    if (row?.crmId === this.crmId) this.mapping = row;
    if (!row || row.crmId || row.pendingTarget !== 'crm' || row.pendingChecksum !== read.checksum)
      return undefined;
    await this.report({
      counter: 'unchanged',
      level: 'debug',
      action: 'echo',
      siaghId: String(code),
      message: `Echo of transaction ${row.pendingTransactionId}, which is creating this customer in the CRM from Siagh contact ${code}`,
    });
    return { outcome: 'echo', siaghCode: code };
  }

  /** The three layers of loop-guard.ts: an echo or an unchanged record ends here. */
  private async settleEcho(mapping: Mapping, read: Read): Promise<CustomerResult | undefined> {
    if (mapping.state === 'quarantined' && mapping.crmChecksum === read.checksum) {
      await this.report({
        counter: 'skipped',
        level: 'debug',
        action: 'quarantined',
        siaghId: mapping.siaghId,
        message: `Still quarantined, unchanged in the CRM: ${mapping.reason ?? ''}`,
      });
      await updateMapping(this.deps.db, mapping.id, { checkedAt: new Date() });
      return { outcome: 'quarantined', reason: mapping.reason ?? '' };
    }
    if (!mapping.siaghId) return undefined;
    const verdict = classifyChange('crm', read, mapping, new Date(), this.deps.settings.echoWindowMs);
    const siaghCode = Number(mapping.siaghId);
    if (verdict.kind === 'changed') return undefined;
    if (verdict.kind === 'echo-gated')
      this.mapping = await updateMapping(this.deps.db, mapping.id, {
        crmState: read.state,
        crmChecksum: read.checksum,
        checkedAt: new Date(),
      });
    else this.mapping = await updateMapping(this.deps.db, mapping.id, { checkedAt: new Date() });
    const message =
      verdict.kind === 'echo-in-flight'
        ? `Echo of transaction ${verdict.transactionId}, whose write to the CRM is under way`
        : verdict.kind === 'echo-gated'
          ? `The CRM's rendering of transaction ${verdict.transactionId}'s write (${verdict.fields.join(', ')}), within the echo window: taken as the CRM's state, nothing sent to Siagh`
          : verdict.echoOf
            ? `Echo of transaction ${verdict.echoOf}: the CRM shows what it wrote`
            : 'Unchanged since the last sync';
    const echo = verdict.kind !== 'unchanged' || verdict.echoOf !== undefined;
    await this.report({
      counter: 'unchanged',
      level: verdict.kind === 'echo-gated' ? 'info' : 'debug',
      action: echo ? 'echo' : 'unchanged',
      siaghId: mapping.siaghId,
      message,
    });
    return { outcome: echo ? 'echo' : 'unchanged', siaghCode };
  }

  private codeOf(customerNumber: string | null): number | undefined {
    if (!customerNumber) return undefined;
    try {
      return siaghCodeOf(customerNumber, this.deps.settings.customerNumbers);
    } catch (error) {
      if (error instanceof CustomerNumberError) return undefined;
      throw error;
    }
  }

  private async siaghContact(code: number): Promise<SiaghContact | undefined> {
    const found = await this.deps.siagh.findContacts({ Code: code }, { signal: this.ctx.signal });
    const bad = found.find((item) => !item.ok);
    if (bad && !bad.ok) throw new Error(`Siagh's contact ${code} does not read as a contact: ${bad.reason}`);
    return found.flatMap((item) => (item.ok && item.contact.Code === code ? [item.contact] : []))[0];
  }

  /** Unmapped, with a customer number: linked to the Siagh contact it names, which then gets the CRM's state. */
  private async link(read: Read): Promise<CustomerResult> {
    const number = read.state.customerNumber!;
    let code: number;
    try {
      code = siaghCodeOf(number, this.deps.settings.customerNumbers);
    } catch (error) {
      if (!(error instanceof CustomerNumberError)) throw error;
      return this.quarantine(
        read,
        `${error.message}. Correct the customer number in the CRM, or clear it to create the customer in Siagh`,
      );
    }
    const holder = await mappingBySiaghId(this.deps.db, 'customer', code);
    if (holder?.crmId && holder.crmId !== this.crmId)
      return this.quarantine(
        read,
        `its customer number ${number} is already the customer number of CRM identity ${holder.crmId}, linked to Siagh contact ${code}; give one of them another number`,
      );
    const contact = await this.siaghContact(code);
    if (!contact)
      return this.quarantine(
        read,
        `its customer number ${number} names Siagh contact ${code}, which Siagh does not have; correct the number in the CRM, or clear it to create the customer in Siagh`,
      );
    const siaghState = siaghStateOfContact(contact);
    const values = {
      crmId: this.crmId,
      crmKind: read.identity.kind,
      siaghId: String(code),
      state: 'synced' as const,
      reason: null,
      lastError: null,
      siaghState,
      siaghChecksum: checksumOf(siaghState),
    };
    const own = this.mapping;
    // An unfinished import row for this contact becomes the link; this customer's own row (quarantined, failed) goes.
    this.mapping = await this.deps.db.transaction(async (tx) => {
      if (!holder)
        return own
          ? updateMapping(tx, own.id, values)
          : insertMapping(tx, { entityType: 'customer', ...values });
      if (own) await deleteMapping(tx, own.id);
      return updateMapping(tx, holder.id, values);
    });
    const linked = this.mapping;
    await this.report({
      level: 'info',
      action: 'linked',
      siaghId: String(code),
      message: `Linked to Siagh contact ${code} by its customer number ${number}`,
    });
    const updated = await this.update(linked, read, contact);
    return updated.outcome === 'updated' || updated.outcome === 'unchanged'
      ? { outcome: 'linked', siaghCode: code }
      : updated;
  }

  /** The input Siagh's form takes, or a quarantine when a value cannot be sent faithfully. */
  private sendable(read: Read, build: (input: SiaghContactInput) => unknown): SiaghContactInput | string {
    const input = siaghInputFromCrm(read.identity);
    try {
      build(input);
      return input;
    } catch (error) {
      if (error instanceof SiaghInputError) return error.message;
      throw error;
    }
  }

  private async update(mapping: Mapping, read: Read, known?: SiaghContact): Promise<CustomerResult> {
    const code = Number(mapping.siaghId);
    const input = this.sendable(read, (i) => contactUpdateForm(code, i));
    if (typeof input === 'string') return this.quarantine(read, input);
    const desired = siaghStateOfInput(input);
    const desiredSum = checksumOf(desired);
    const agreed = {
      crmState: read.state,
      crmChecksum: read.checksum,
      state: 'synced' as const,
      reason: null,
      lastError: null,
      checkedAt: new Date(),
    };
    if (desiredSum === mapping.siaghChecksum && !this.options.force) {
      this.mapping = await updateMapping(this.deps.db, mapping.id, agreed);
      await this.report({
        counter: 'unchanged',
        level: 'debug',
        action: 'unchanged',
        siaghId: mapping.siaghId,
        message: 'Changed in the CRM only in fields Siagh does not keep; nothing sent to Siagh',
      });
      return { outcome: 'unchanged', siaghCode: code };
    }
    const contact = known ?? (await this.siaghContact(code));
    if (!contact)
      return this.quarantine(
        read,
        `its Siagh contact ${code} is no longer in Siagh; restore it there, or remove the mapping`,
      );
    const current = siaghStateOfContact(contact);
    const currentSum = checksumOf(current);
    if (mapping.siaghChecksum && currentSum !== mapping.siaghChecksum && currentSum !== desiredSum)
      await this.report({
        level: 'warn',
        action: 'drift',
        siaghId: mapping.siaghId,
        message: `Siagh contact ${code} had been changed in Siagh (${changedFields(mapping.siaghState as object, current).join(', ')}); the CRM wins, its state is written over it`,
        details: { synced: mapping.siaghState, siagh: current, crm: desired },
      });
    if (currentSum === desiredSum) {
      this.mapping = await updateMapping(this.deps.db, mapping.id, {
        ...agreed,
        siaghState: desired,
        siaghChecksum: desiredSum,
        driftChecksum: null,
      });
      await this.report({
        counter: 'unchanged',
        level: 'debug',
        action: 'unchanged',
        siaghId: mapping.siaghId,
        message: `Siagh contact ${code} already shows the CRM's state`,
      });
      return { outcome: 'unchanged', siaghCode: code };
    }
    await this.stamp(mapping, 'siagh', desiredSum);
    try {
      await this.deps.siagh.updateContact(code, input, { signal: this.ctx.signal });
    } finally {
      await updateMapping(this.deps.db, mapping.id, noPendingWrite);
    }
    this.mapping = await updateMapping(this.deps.db, mapping.id, {
      ...agreed,
      ...this.written('siagh', ['*']),
      siaghState: desired,
      siaghChecksum: desiredSum,
      driftChecksum: null,
    });
    await this.report({
      counter: 'updated',
      level: 'info',
      action: 'updated',
      siaghId: mapping.siaghId,
      message: `Siagh contact ${code} updated from the CRM (${changedFields(current, desired).join(', ')})`,
    });
    return { outcome: 'updated', siaghCode: code };
  }

  /** A new CRM customer: created in Siagh, mapped, then given its customer number in the CRM. */
  private async create(read: Read): Promise<CustomerResult> {
    const input = this.sendable(read, contactCreateForm);
    if (typeof input === 'string') return this.quarantine(read, input);
    const desired = siaghStateOfInput(input);
    const desiredSum = checksumOf(desired);
    const claim = this.mapping
      ? await updateMapping(this.deps.db, this.mapping.id, { state: 'creating', crmKind: read.identity.kind })
      : await insertMapping(this.deps.db, {
          entityType: 'customer',
          crmId: this.crmId,
          crmKind: read.identity.kind,
          state: 'creating',
        });
    this.mapping = claim;
    await this.stamp(claim, 'siagh', desiredSum);
    let code: number;
    try {
      ({ code } = await this.deps.siagh.createContact(input, { signal: this.ctx.signal }));
    } catch (error) {
      await updateMapping(this.deps.db, claim.id, {
        ...noPendingWrite,
        // Only a refusal proves nothing was made; after a lost reply the next sync looks the contact up first.
        state: mayHaveBeenApplied(error) ? 'creating' : 'failed',
      });
      throw error;
    }
    this.mapping = await updateMapping(this.deps.db, claim.id, {
      ...noPendingWrite,
      siaghId: String(code),
      state: 'synced',
      reason: null,
      lastError: null,
      crmState: read.state,
      crmChecksum: read.checksum,
      siaghState: desired,
      siaghChecksum: desiredSum,
      ...this.written('siagh', ['*']),
      checkedAt: new Date(),
    });
    await this.report({
      counter: 'created',
      level: 'info',
      action: 'created',
      siaghId: String(code),
      message: `Created in Siagh as contact ${code}`,
    });
    await this.giveCustomerNumber(this.mapping, read, code);
    return { outcome: 'created', siaghCode: code };
  }

  /** Writes the new Siagh code's customer number into the CRM record, carrying every other field as it is. */
  private async giveCustomerNumber(mapping: Mapping, read: Read, code: number): Promise<void> {
    const customerNumber = customerNumberOf(code, this.deps.settings.customerNumbers);
    const update = crmUpdateInput(read.identity, { customerNumber });
    const state = crmStateOfInput(update);
    const sum = checksumOf(state);
    await this.stamp(mapping, 'crm', sum);
    try {
      if (update.kind === 'person')
        await this.deps.crm.updatePerson(this.crmId, update.input, { signal: this.ctx.signal });
      else await this.deps.crm.updateOrganization(this.crmId, update.input, { signal: this.ctx.signal });
    } catch (error) {
      await updateMapping(this.deps.db, mapping.id, noPendingWrite);
      if (endsTheRun(error, this.ctx.signal)) throw error;
      await this.report({
        level: 'warn',
        action: 'failed',
        siaghId: String(code),
        message: `Created in Siagh as contact ${code}, but its customer number ${customerNumber} could not be written to the CRM: ${(error as Error).message}. The mapping keeps the link; enter the number in the CRM by hand`,
        details: failureDetails(error),
      });
      return;
    }
    this.mapping = await updateMapping(this.deps.db, mapping.id, {
      ...noPendingWrite,
      crmState: state,
      crmChecksum: sum,
      ...this.written('crm', ['customerNumber']),
    });
  }

  /**
   * An earlier create whose reply was lost may have made the contact: it is looked for by national code (Siagh
   * refuses a second contact with it) or mobile number before anything is created again.
   */
  private async recoverInterruptedCreate(mapping: Mapping, read: Read): Promise<CustomerResult | undefined> {
    const input = siaghInputFromCrm(read.identity);
    const filter: ContactFilter | undefined = input.nationalCode
      ? { NationalCode: input.nationalCode }
      : input.mobile
        ? { MobileNo: input.mobile }
        : undefined;
    if (!filter) return undefined;
    const found = (await this.deps.siagh.findContacts(filter, { signal: this.ctx.signal })).flatMap((item) =>
      item.ok ? [item.contact] : [],
    );
    const candidates = found.filter((c) => c.Name?.trim() === input.fullName.trim());
    if (candidates.length !== 1) return undefined;
    const contact = candidates[0]!;
    const siaghState = siaghStateOfContact(contact);
    this.mapping = await updateMapping(this.deps.db, mapping.id, {
      siaghId: String(contact.Code),
      state: 'synced',
      siaghState,
      siaghChecksum: checksumOf(siaghState),
    });
    await this.report({
      level: 'info',
      action: 'linked',
      siaghId: String(contact.Code),
      message: `Found Siagh contact ${contact.Code}, made by an earlier create whose reply was lost; linked instead of creating it again`,
    });
    return this.update(this.mapping, read, contact);
  }

  private async stamp(mapping: Mapping, target: 'crm' | 'siagh', checksum: string): Promise<void> {
    await updateMapping(this.deps.db, mapping.id, {
      pendingTransactionId: this.transactionId,
      pendingTarget: target,
      pendingChecksum: checksum,
      pendingSince: new Date(),
    });
  }

  private written(target: 'crm' | 'siagh', fields: string[]) {
    return {
      lastSyncTransactionId: this.transactionId,
      lastSyncSource: 'crm',
      lastSyncedAt: new Date(),
      ...(target === 'crm'
        ? { crmWrittenAt: new Date(), crmWrittenFields: fields }
        : { siaghWrittenAt: new Date(), siaghWrittenFields: fields }),
    };
  }

  private async quarantine(read: Read, reason: string): Promise<CustomerResult> {
    // The CRM state held back is remembered: the record is tried again when it changes in the CRM.
    const values = {
      state: 'quarantined' as const,
      reason,
      crmKind: read.identity.kind,
      crmState: read.state,
      crmChecksum: read.checksum,
      checkedAt: new Date(),
    };
    if (this.mapping) await updateMapping(this.deps.db, this.mapping.id, values);
    else
      this.mapping = await insertMapping(this.deps.db, {
        entityType: 'customer',
        crmId: this.crmId,
        ...values,
      });
    await this.report({
      counter: 'failed',
      level: 'warn',
      action: 'quarantined',
      siaghId: this.mapping.siaghId,
      message: `Customer "${read.state.nickName ?? this.crmId}" quarantined, nothing sent to Siagh: ${reason}`,
    });
    return { outcome: 'quarantined', reason };
  }

  protected async fail(error: unknown): Promise<CustomerResult> {
    const details = failureDetails(error);
    const refused = error instanceof SiaghBusinessError;
    if (this.mapping)
      await updateMapping(this.deps.db, this.mapping.id, {
        ...(this.mapping.state === 'synced' ? {} : { reason: details.message }),
        checkedAt: new Date(),
        lastError: { ...details, at: new Date().toISOString(), transactionId: this.transactionId },
      });
    await this.report({
      counter: 'failed',
      level: 'error',
      action: 'failed',
      siaghId: this.mapping?.siaghId ?? null,
      message: `Customer not synced to Siagh${refused ? ' (Siagh refused it)' : ''}: ${details.message}`,
      details,
    });
    return { outcome: 'failed', reason: details.message };
  }

  private report(
    outcome: Omit<Outcome, 'entityType' | 'crmId' | 'direction' | 'transactionId'>,
  ): Promise<void> {
    return report(this.deps, this.ctx, {
      entityType: 'customer',
      crmId: this.crmId,
      direction: 'crm→siagh',
      transactionId: this.transactionId,
      ...outcome,
    });
  }
}
