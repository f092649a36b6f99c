/**
 * erpnext.push-customers: delivers the outbox. For each customer with a due entry it sends the customer's current
 * state (so several local edits become one delivery), first merging any change ERPNext has that we have not seen,
 * so a push never overwrites an accountant's edit. Transient failures wait and retry with growing delays; a refusal
 * (validation, permission) or the last attempt leaves the entry failed with its request and reply for a person.
 */
import { z } from 'zod';
import type { Exchange } from '../../connectors/erpnext/client.js';
import { ErpNextError } from '../../connectors/erpnext/errors.js';
import { dateToFrappeTimestamp, normaliseFrappeTimestamp } from '../../connectors/erpnext/timestamps.js';
import { fieldsChecksum } from '../../customers/fields.js';
import {
  customersDue,
  markAttemptFailed,
  markDelivered,
  pendingEntries,
  postponeEntry,
  supersedeOlder,
  type OutboxEntry,
} from '../../customers/outbox.js';
import { fieldsOf, getCustomer } from '../../customers/store.js';
import type { JobDefinition, RunContext } from '../../jobs/types.js';
import { applyRemoteCustomer } from './apply-remote.js';
import { pushJobName, requireRemote, type CustomerSync } from './context.js';
import { customerDocuments, fieldsFromRemote } from './mapping.js';
import { ErpNextNotConfiguredError } from './settings.js';
import {
  claimCreate,
  customersByErpNextName,
  recordCreated,
  releaseCreateClaim,
  saveSyncState,
  syncStateOf,
} from './sync-state.js';

type Delivery = 'created' | 'updated' | 'unchanged';

/** How far ERPNext's clock may be behind the database's when looking for a Customer an earlier attempt created. */
const clockSkewMs = 60_000;

/** Another push holds the claim on creating this customer's Customer: it waits until the claim runs out. */
class CreateClaimHeldError extends Error {
  constructor(readonly until: Date) {
    super(`another push is creating this customer in ERPNext; it is tried again at ${until.toISOString()}`);
    this.name = 'CreateClaimHeldError';
  }
}

export function pushCustomersJob(sync: CustomerSync): JobDefinition<Record<string, never>> {
  return {
    name: pushJobName,
    description:
      'Sends local customer changes waiting in the outbox to ERPNext (Customer, Address, Contact).',
    data: z.strictObject({}),
    schedule: (config) => (sync.remote ? config.ERPNEXT_PUSH_SCHEDULE : undefined),
    run: (ctx) => pushOutbox(sync, ctx),
  };
}

/**
 * Runs of the push never overlap, in one process or across several (the job's lease, see src/jobs/leases.ts), so a
 * customer is never created twice.
 */
export async function pushOutbox(sync: CustomerSync, ctx: RunContext): Promise<void> {
  requireRemote(sync);
  const done = new Set<string>();
  for (;;) {
    const due = (await customersDue(sync.db, new Date(), 50)).filter((id) => !done.has(id));
    if (due.length === 0) break;
    for (const customerId of due) {
      if (ctx.signal.aborted) return;
      done.add(customerId);
      await pushCustomer(sync, ctx, customerId);
      await ctx.progress({ processed: done.size, note: `customer ${customerId}` });
    }
  }
}

async function pushCustomer(sync: CustomerSync, ctx: RunContext, customerId: string): Promise<void> {
  const entries = await pendingEntries(sync.db, customerId);
  const newest = entries.at(-1);
  if (!newest) return;
  await supersedeOlder(sync.db, customerId, newest.id);
  const trace: Exchange[] = [];
  try {
    const { delivery, covered } = await deliver(sync, customerId, trace);
    await markDelivered(sync.db, customerId, covered?.id ?? newest.id, lastExchange(trace));
    ctx.count(delivery);
    if (delivery !== 'unchanged')
      await ctx.event({
        level: 'info',
        entity: `customer:${customerId}`,
        message: `Customer ${delivery} in ERPNext`,
      });
  } catch (error) {
    if (error instanceof CreateClaimHeldError) {
      await postponeEntry(sync.db, newest.id, error.until);
      ctx.count('skipped');
      await ctx.event({
        level: 'info',
        entity: `customer:${customerId}`,
        message: `Customer not sent to ERPNext yet: ${error.message}`,
      });
      return;
    }
    if (
      error instanceof ErpNextNotConfiguredError ||
      (error instanceof ErpNextError && error.kind === 'auth')
    )
      throw error;
    await recordFailure(sync, ctx, newest, error, trace);
  }
}

async function recordFailure(
  sync: CustomerSync,
  ctx: RunContext,
  entry: OutboxEntry,
  error: unknown,
  trace: Exchange[],
): Promise<void> {
  const { pushMaxAttempts, pushBackoffMs } = sync.settings;
  const attempt = entry.attempts + 1;
  const transient = !(error instanceof ErpNextError) || error.transient;
  const delay = pushBackoffMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
  const retryAt = transient && attempt < pushMaxAttempts ? new Date(Date.now() + delay) : null;
  const message = error instanceof Error ? error.message : String(error);
  const exchange = lastExchange(trace);
  const status = await markAttemptFailed(sync.db, entry, { error: message, ...exchange, retryAt });
  ctx.count('failed');
  await ctx.event({
    level: status === 'failed' ? 'error' : 'warn',
    entity: `customer:${entry.customerId}`,
    message:
      status === 'failed'
        ? `Customer could not be sent to ERPNext (attempt ${attempt}): ${message}. Fix the cause, then POST /api/customers/outbox/${entry.id}/retry`
        : `Customer not sent to ERPNext yet (attempt ${attempt} of ${pushMaxAttempts}), retrying at ${retryAt!.toISOString()}: ${message}`,
    details: { outboxId: entry.id, attempt, ...exchange },
  });
}

/**
 * Sends the customer's current state. `covered` is the newest entry that state includes: read before the customer,
 * so an edit committed while the delivery runs (on this worker or another) stays pending for the next push, while a
 * merge queued by the pre-check is covered.
 */
async function deliver(
  sync: CustomerSync,
  customerId: string,
  trace: Exchange[],
): Promise<{ delivery: Delivery; covered: OutboxEntry | undefined }> {
  const remote = requireRemote(sync);
  const names = sync.settings.syncedFields;
  let state = await syncStateOf(sync.db, customerId);
  if (state?.erpnextName && !state.remoteDeleted) {
    const current = await remote.read(state.erpnextName, { trace });
    if (current === null) {
      // Deleted in ERPNext without us hearing of it: an active customer is created there again.
      await saveSyncState(sync.db, customerId, { remoteDeleted: true });
    } else if (
      fieldsChecksum(fieldsFromRemote(current, sync.settings.mapping), names) !== state.syncedChecksum
    ) {
      await applyRemoteCustomer(sync, current);
    }
    state = await syncStateOf(sync.db, customerId);
  }
  // An entry commits with the write it announces, so every entry seen here is in the row read next.
  const covered = (await pendingEntries(sync.db, customerId)).at(-1);
  const row = await getCustomer(sync.db, customerId);
  if (!row) return { delivery: 'unchanged', covered };
  const local = fieldsOf(row);
  if (state?.remoteDeleted && !row.active) return { delivery: 'unchanged', covered };
  const known = state?.remoteDeleted
    ? { erpnextName: null, addressName: null, contactName: null }
    : {
        erpnextName: state?.erpnextName ?? null,
        addressName: state?.addressName ?? null,
        contactName: state?.contactName ?? null,
      };
  if (known.erpnextName && fieldsChecksum(local, names) === state?.syncedChecksum)
    return { delivery: 'unchanged', covered };
  const creating = !known.erpnextName;
  if (creating) known.erpnextName = await claimCreation(sync, customerId, local.name, trace);
  let written: Awaited<ReturnType<typeof remote.write>>;
  try {
    written = await remote.write(
      customerDocuments(local, sync.settings.mapping),
      known,
      (erpnextName) => recordOurCustomer(sync, customerId, erpnextName),
      { trace },
    );
  } catch (error) {
    if (creating && surelyNotCreated(error)) await releaseCreateClaim(sync.db, customerId);
    throw error;
  }
  const agreed = fieldsFromRemote(written.remote, sync.settings.mapping);
  await saveSyncState(sync.db, customerId, {
    ...written.names,
    syncedFields: agreed,
    syncedChecksum: fieldsChecksum(agreed, names),
    remoteModified: normaliseFrappeTimestamp(written.remote.customer.modified),
    remoteDeleted: false,
    syncedAt: new Date(),
    createClaimName: null,
    createClaimedAt: null,
    createClaimUntil: null,
  });
  return { delivery: known.erpnextName ? 'updated' : 'created', covered };
}

/**
 * Claims the create (committed before the insert is sent, so ERPNext's webhook for the new Customer finds it on any
 * worker) and returns the name of a Customer an earlier attempt created without hearing back, when there is one:
 * then it is updated, not created again.
 */
async function claimCreation(
  sync: CustomerSync,
  customerId: string,
  name: string,
  trace: Exchange[],
): Promise<string | null> {
  const customerName = name.trim();
  const claim = await claimCreate(sync.db, customerId, customerName, sync.settings.createClaimLeaseMs);
  if (!claim.taken) throw new CreateClaimHeldError(claim.heldUntil);
  if (!claim.earlierAttemptSince) return null;
  const since = new Date(claim.earlierAttemptSince.getTime() - clockSkewMs);
  const found = await requireRemote(sync).findCreated(
    customerName,
    dateToFrappeTimestamp(since, sync.settings.timeZone),
    { trace },
  );
  // A namesake another customer of ours already has is that customer's, not what this one left.
  const holders = await customersByErpNextName(sync.db, found);
  const left = found.find((name) => (holders.get(name) ?? customerId) === customerId) ?? null;
  if (left) await recordOurCustomer(sync, customerId, left);
  return left;
}

/**
 * Records the Customer our push created. A namesake a person created in ERPNext in the same moment, linked by the
 * claim in its place, is then brought in as a customer of its own.
 */
async function recordOurCustomer(sync: CustomerSync, customerId: string, erpnextName: string): Promise<void> {
  const { displaced } = await recordCreated(sync.db, customerId, erpnextName);
  if (!displaced) return;
  const theirs = await requireRemote(sync).read(displaced);
  if (theirs) await applyRemoteCustomer(sync, theirs);
}

/** ERPNext refused the insert or never received it, so it created nothing a webhook could tell of. */
function surelyNotCreated(error: unknown): boolean {
  if (!(error instanceof ErpNextError)) return false;
  return error.notReached || (error.status !== undefined && error.status < 500 && error.status !== 408);
}

/** The last request and reply of a delivery, as kept with the outbox entry (the client never records credentials). */
function lastExchange(trace: Exchange[]): { request: unknown; response: unknown } {
  const last = trace.at(-1);
  if (!last) return { request: null, response: null };
  return {
    request: { method: last.method, path: last.path, body: last.body ?? null },
    response:
      last.status === undefined
        ? { error: last.error ?? 'no reply' }
        : { status: last.status, body: last.response ?? null },
  };
}
