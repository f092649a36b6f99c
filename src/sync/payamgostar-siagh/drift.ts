/**
 * The Siagh side after the initial import: nothing is copied from Siagh to the CRM (the CRM wins), but a contact
 * changed in Siagh only is reported as drift, once per change, with the fields that differ from what was last
 * synced. Our own writes are recognised by the loop guard and are not drift. Run for one contact (Siagh's change
 * notification) or for all (the drift-check job, which reads Siagh's whole contact list as a stream).
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { SiaghContact } from '../../connectors/siagh/schemas.js';
import type { RunContext } from '../../jobs/types.js';
import { payamgostarSiaghMappings } from '../../models/index.js';
import { checksumOf } from './checksum.js';
import { report, type FlowDeps } from './context.js';
import { siaghStateOfContact } from './customer-mapping.js';
import { classifyChange } from './loop-guard.js';
import { mappingBySiaghId, pendingWriteLeaving, updateMapping, type Mapping } from './store.js';

export type DriftResult = 'unchanged' | 'echo' | 'drift' | 'reported-before' | 'unmapped' | 'missing';

/** One Siagh contact compared with what was last synced. */
export async function checkContact(
  deps: FlowDeps,
  ctx: RunContext,
  contact: SiaghContact,
  mapping: Mapping | undefined,
): Promise<DriftResult> {
  const code = String(contact.Code);
  if (!mapping?.crmId || !mapping.siaghChecksum) return 'unmapped';
  const state = siaghStateOfContact(contact);
  const checksum = checksumOf(state);
  const verdict = classifyChange(
    'siagh',
    { state, checksum },
    mapping,
    new Date(),
    deps.settings.echoWindowMs,
  );
  const base = {
    entityType: 'customer' as const,
    crmId: mapping.crmId,
    siaghId: code,
    direction: 'siagh' as const,
  };
  if (verdict.kind === 'unchanged' || verdict.kind === 'echo-in-flight') {
    ctx.count('unchanged');
    const echoOf = verdict.kind === 'echo-in-flight' ? verdict.transactionId : verdict.echoOf;
    if (echoOf)
      await report(deps, ctx, {
        ...base,
        level: 'debug',
        action: 'echo',
        transactionId: echoOf,
        message: `Siagh contact ${code} shows what transaction ${echoOf} wrote: our own change, not drift`,
      });
    return echoOf ? 'echo' : 'unchanged';
  }
  if (verdict.kind === 'echo-gated') {
    await updateMapping(deps.db, mapping.id, { siaghState: state, siaghChecksum: checksum });
    await report(deps, ctx, {
      ...base,
      counter: 'unchanged',
      level: 'info',
      action: 'echo',
      transactionId: verdict.transactionId ?? undefined,
      message: `Siagh's rendering of transaction ${verdict.transactionId}'s write (${verdict.fields.join(', ')}), within the echo window: taken as Siagh's state, not drift`,
    });
    return 'echo';
  }
  if (mapping.driftChecksum === checksum) {
    ctx.count('skipped');
    return 'reported-before';
  }
  await updateMapping(deps.db, mapping.id, { driftChecksum: checksum });
  const fields = verdict.fields;
  await report(deps, ctx, {
    ...base,
    counter: 'skipped',
    level: 'warn',
    action: 'drift',
    message: `Siagh contact ${code} was changed in Siagh only (${fields.join(', ')}); not copied to the CRM, which wins: the next change of CRM customer ${mapping.crmId} writes over it (or sync it now by hand)`,
    details: {
      fields: Object.fromEntries(
        fields.map((f) => [
          f,
          {
            synced: (mapping.siaghState as Record<string, unknown> | null)?.[f] ?? null,
            siagh: state[f as keyof typeof state],
          },
        ]),
      ),
    },
  });
  return 'drift';
}

/** Siagh told us contact `code` changed: it is read and compared. */
export async function checkContactByCode(
  deps: FlowDeps,
  ctx: RunContext,
  code: number,
): Promise<DriftResult> {
  const found = await deps.siagh.findContacts({ Code: code }, { signal: ctx.signal });
  const contact = found.flatMap((item) => (item.ok && item.contact.Code === code ? [item.contact] : []))[0];
  if (!contact) {
    await ctx.event({
      level: 'warn',
      entity: `siagh-contact:${code}`,
      message: `Siagh has no contact ${code} (deleted?)`,
    });
    return 'missing';
  }
  const mapping = await mappingBySiaghId(deps.db, 'customer', code);
  if (!mapping) {
    // Siagh told of a contact before the create that made it was recorded: the echo of that create.
    const state = siaghStateOfContact(contact);
    const creating = await pendingWriteLeaving(deps.db, 'siagh', checksumOf(state));
    if (creating) {
      ctx.count('unchanged');
      await report(deps, ctx, {
        entityType: 'customer',
        crmId: creating.crmId,
        siaghId: String(code),
        direction: 'siagh',
        level: 'debug',
        action: 'echo',
        transactionId: creating.pendingTransactionId ?? undefined,
        message: `Siagh contact ${code} is the one transaction ${creating.pendingTransactionId} is creating: our own change, not drift`,
      });
      return 'echo';
    }
  }
  const result = await checkContact(deps, ctx, contact, mapping);
  if (result === 'unmapped' && !contact.IsAdminUser)
    await report(deps, ctx, {
      entityType: 'customer',
      siaghId: String(code),
      direction: 'siagh',
      counter: 'skipped',
      level: 'warn',
      action: 'drift',
      message: `Siagh contact ${code} (${contact.Name ?? 'no name'}) is not linked to a CRM customer: it was made in Siagh only and is not copied to the CRM, which is where customers are made`,
    });
  return result;
}

/** Every Siagh contact compared with what was last synced; one summary for those made in Siagh only. */
export async function runDriftCheck(deps: FlowDeps, ctx: RunContext): Promise<void> {
  const m = payamgostarSiaghMappings;
  const rows = await deps.db
    .select()
    .from(m)
    .where(and(eq(m.entityType, 'customer'), isNotNull(m.siaghId)));
  const bySiagh = new Map(rows.map((r) => [r.siaghId!, r]));
  const tally: Record<DriftResult, number> = {
    unchanged: 0,
    echo: 0,
    drift: 0,
    'reported-before': 0,
    unmapped: 0,
    missing: 0,
  };
  const unmapped: number[] = [];
  let processed = 0;
  for await (const item of deps.siagh.contacts({ signal: ctx.signal })) {
    processed++;
    if (!item.ok || item.contact.IsAdminUser) continue;
    const result = await checkContact(deps, ctx, item.contact, bySiagh.get(String(item.contact.Code)));
    tally[result]++;
    if (result === 'unmapped' && unmapped.length < 20) unmapped.push(item.contact.Code);
    if (processed % 1000 === 0) await ctx.progress({ processed, note: `${tally.drift} drifted` });
  }
  if (tally.unmapped > 0) {
    ctx.count('skipped', tally.unmapped);
    await ctx.event({
      level: 'warn',
      message: `${tally.unmapped} Siagh contacts are not linked to a CRM customer (made in Siagh only, not copied to the CRM): ${unmapped.join(', ')}${tally.unmapped > unmapped.length ? ', …' : ''}`,
    });
  }
  await ctx.progress({ processed, note: 'finished' });
  await ctx.event({
    level: 'info',
    message: `Drift check: ${processed} Siagh contacts read; ${tally.drift} changed in Siagh only (reported), ${tally['reported-before']} reported before, ${tally.unchanged + tally.echo} as last synced`,
  });
}
