/**
 * Phase 1, the initial import Siagh → CRM, run once: every Siagh contact becomes a CRM customer whose customer number
 * is made from its Siagh Code. Admin users are skipped, contacts already mapped are skipped, a contact whose customer
 * number the CRM already has is linked to that CRM customer instead of created, and the rest are created with bounded
 * parallelism under the CRM's rate limit (the client's resilience policy).
 *
 * Resumable without a duplicate: each create is recorded before it is sent (a mapping row with the Siagh Code, no CRM
 * id yet, and the write stamped in flight) and completed after. A run that died between the two leaves the row
 * unfinished; the next run reads every customer number the CRM has before it starts, so the CRM customer that create
 * made is found by its number and linked, and only contacts the CRM really lacks are created.
 */
import { z } from 'zod';
import type { IdentityKind } from '../../connectors/payamgostar/webhook-notification.js';
import { customerNumberOf } from '../../connectors/payamgostar/customer-number.js';
import { PayamgostarError } from '../../connectors/payamgostar/errors.js';
import type { ContactItem } from '../../connectors/siagh/contact-stream.js';
import type { SiaghContact } from '../../connectors/siagh/schemas.js';
import type { RunContext } from '../../jobs/types.js';
import { checksumOf } from './checksum.js';
import { failureDetails, report, type FlowDeps } from './context.js';
import { siaghStateOfContact } from './customer-mapping.js';
import { CompletionBuffer, claimCreates, planCreate, type PlannedCreate } from './import-batches.js';
import { endsTheRun } from './failures.js';
import {
  checkpointNames,
  insertMapping,
  linkedSiaghCodes,
  noPendingWrite,
  readCheckpoint,
  unfinishedImportCreates,
  updateMapping,
  writeCheckpoint,
  type Mapping,
} from './store.js';

export const initialImportData = z.object({
  /** Run again after a finished import (contacts already mapped are still skipped). */
  restart: z.boolean().default(false),
});
export type InitialImportData = z.infer<typeof initialImportData>;

export interface ImportCounts {
  created: number;
  linked: number;
  alreadyMapped: number;
  adminUsers: number;
  failed: number;
}

export interface ImportCheckpoint {
  status: 'running' | 'finished';
  runId: string;
  transactionId: string;
  startedAt: string;
  /** When this attempt (the first or a resumption) started, and what was processed before it, for the rate. */
  resumedAt: string;
  processedBeforeResume: number;
  processed: number;
  /** Siagh contacts counted before the import began. */
  total?: number;
  counts: ImportCounts;
  finishedAt?: string;
}

class Interrupted extends Error {
  constructor(processed: number) {
    super(
      `Stopped after ${processed} Siagh contacts because the worker is shutting down; the next run continues (what was created is kept and not created again)`,
    );
    this.name = 'Interrupted';
  }
}

type CrmIndex = Map<string, { id: string; kind: IdentityKind }[]>;

export async function runInitialImport(
  deps: FlowDeps,
  ctx: RunContext,
  data: InitialImportData = { restart: false },
): Promise<ImportCheckpoint> {
  const saved = await readCheckpoint<ImportCheckpoint>(deps.db, checkpointNames.initialImport);
  if (saved?.status === 'finished' && !data.restart) {
    await ctx.event({
      level: 'info',
      message: `The initial import finished at ${saved.finishedAt} (${summary(saved.counts)}); it runs once. Start it with restart: true to run it again (mapped contacts are skipped).`,
    });
    return saved;
  }
  const now = new Date().toISOString();
  const resuming = saved?.status === 'running';
  let cp: ImportCheckpoint = {
    status: 'running',
    runId: ctx.runId,
    transactionId: `initial-import-${ctx.runId}`,
    startedAt: resuming ? saved.startedAt : now,
    resumedAt: now,
    processedBeforeResume: 0,
    processed: 0,
    counts: { created: 0, linked: 0, alreadyMapped: 0, adminUsers: 0, failed: 0 },
  };
  await writeCheckpoint(deps.db, checkpointNames.initialImport, cp);
  await ctx.event({
    level: 'info',
    message: resuming
      ? `Initial import resumed (the run before stopped after ${saved.processed} contacts); what it created is found by customer number, not created again`
      : 'Initial import started',
  });

  await ctx.progress({ processed: 0, note: "reading the CRM's customer numbers" });
  const crmIndex = await readCrmIndex(deps, ctx);
  await ctx.progress({ processed: 0, note: 'counting the Siagh contacts' });
  let total = 0;
  for await (const item of deps.siagh.contacts({ signal: ctx.signal })) total = item.index + 1;
  cp = { ...cp, total };
  const importer = new Importer(
    deps,
    ctx,
    cp,
    crmIndex,
    await linkedSiaghCodes(deps.db),
    await unfinishedRows(deps),
  );
  cp = await importer.run();
  cp = { ...cp, status: 'finished', finishedAt: new Date().toISOString() };
  await writeCheckpoint(deps.db, checkpointNames.initialImport, cp);
  await ctx.progress({ processed: cp.processed, total: cp.total, note: 'finished' });
  await ctx.event({ level: 'info', message: `Initial import finished: ${summary(cp.counts)}` });
  return cp;
}

function summary(c: ImportCounts): string {
  return `${c.created} created in the CRM, ${c.linked} linked to CRM customers with their customer number, ${c.alreadyMapped} already mapped, ${c.adminUsers} admin users skipped, ${c.failed} failed`;
}

/** Every customer number the CRM has, with the identities that carry it (more than one is a problem to report). */
async function readCrmIndex(deps: FlowDeps, ctx: RunContext): Promise<CrmIndex> {
  const index: CrmIndex = new Map();
  for await (const row of deps.crm.identities({ signal: ctx.signal })) {
    const number = row.customerNo?.trim();
    if (!number) continue;
    const holders = index.get(number) ?? [];
    holders.push({ id: row.identityId.toLowerCase(), kind: row.kind });
    index.set(number, holders);
  }
  return index;
}

async function unfinishedRows(deps: FlowDeps): Promise<Map<string, Mapping>> {
  return new Map((await unfinishedImportCreates(deps.db)).map((row) => [row.siaghId!, row]));
}

/** Creates claimed in one statement; enough to keep the parallel creates busy while the next batch is claimed. */
const claimBatch = 50;

class Importer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly planned: PlannedCreate[] = [];
  private readonly completions: CompletionBuffer;
  /** The first failure that ends the run (a refused login, an open circuit), raised once the creates in flight end. */
  private fatal: Error | undefined;
  private lastProgress = 0;

  constructor(
    private readonly deps: FlowDeps,
    private readonly ctx: RunContext,
    private cp: ImportCheckpoint,
    private readonly crmIndex: CrmIndex,
    private readonly linked: Set<string>,
    private readonly unfinished: Map<string, Mapping>,
  ) {
    this.completions = new CompletionBuffer(deps.db, cp.transactionId, ctx.runId);
  }

  async run(): Promise<ImportCheckpoint> {
    try {
      for await (const item of this.deps.siagh.contacts({ signal: this.ctx.signal })) {
        if (this.fatal !== undefined || this.ctx.signal.aborted) break;
        await this.handle(item);
        if (this.planned.length >= claimBatch) await this.dispatch();
        await this.reportProgress(false);
      }
      if (this.fatal === undefined && !this.ctx.signal.aborted) await this.dispatch();
    } finally {
      await Promise.allSettled(this.inFlight);
      await this.completions.drain();
    }
    if (this.fatal !== undefined) throw this.fatal;
    if (this.ctx.signal.aborted) {
      await this.reportProgress(true);
      throw new Interrupted(this.cp.processed);
    }
    await this.reportProgress(true);
    return this.cp;
  }

  private done(counter: keyof ImportCounts): void {
    this.cp = {
      ...this.cp,
      processed: this.cp.processed + 1,
      counts: { ...this.cp.counts, [counter]: this.cp.counts[counter] + 1 },
    };
  }

  private async reportProgress(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastProgress < 1000) return;
    this.lastProgress = Date.now();
    await writeCheckpoint(this.deps.db, checkpointNames.initialImport, this.cp);
    await this.ctx.progress({
      processed: this.cp.processed,
      total: this.cp.total,
      note: `${this.cp.counts.created} created, ${this.cp.counts.linked} linked`,
    });
  }

  private async handle(item: ContactItem): Promise<void> {
    if (!item.ok) {
      this.done('failed');
      this.ctx.count('failed');
      await this.ctx.event({
        level: 'error',
        entity: `siagh-contact:${String(item.code ?? `#${item.index}`)}`,
        message: `Siagh contact ${String(item.code ?? `number ${item.index + 1} in the list`)} (${String(item.name ?? 'no name')}) was not imported: it does not read as a contact (${item.reason})`,
        details: item.raw,
      });
      return;
    }
    const contact = item.contact;
    const code = String(contact.Code);
    if (contact.IsAdminUser) {
      this.done('adminUsers');
      this.ctx.count('skipped');
      return;
    }
    if (this.linked.has(code)) {
      this.done('alreadyMapped');
      this.ctx.count('unchanged');
      return;
    }
    let number: string;
    try {
      number = customerNumberOf(contact.Code, this.deps.settings.customerNumbers);
    } catch (error) {
      return this.fail(contact, (error as Error).message);
    }
    const holders = this.crmIndex.get(number) ?? [];
    if (holders.length > 1)
      return this.fail(
        contact,
        `the CRM has ${holders.length} customers with customer number ${number} (${holders.map((h) => h.id).join(', ')}); merge them in the CRM, then run the import again`,
      );
    if (holders.length === 1) return this.link(contact, holders[0]!);
    if (!siaghStateOfContact(contact).name)
      return this.fail(contact, 'it has no name, and the CRM needs one; give it a name in Siagh');
    this.planned.push(planCreate(contact, this.deps.settings.customerNumbers));
  }

  /** Claims the planned creates in one statement, then sends them, `importParallelism` at a time. */
  private async dispatch(): Promise<void> {
    const batch = this.planned.splice(0);
    const rows = await claimCreates(this.deps.db, this.cp.transactionId, batch);
    for (const plan of batch) {
      const rowId = rows.get(plan.code);
      if (rowId === undefined) {
        this.done('alreadyMapped');
        this.ctx.count('unchanged');
        continue;
      }
      while (this.inFlight.size >= this.deps.settings.importParallelism) await Promise.race(this.inFlight);
      if (this.fatal !== undefined || this.ctx.signal.aborted) return;
      const task: Promise<void> = this.create(plan, rowId)
        .catch((error: unknown) => {
          this.fatal ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  private async link(contact: SiaghContact, holder: { id: string; kind: IdentityKind }): Promise<void> {
    const code = String(contact.Code);
    const siaghState = siaghStateOfContact(contact);
    const values = {
      crmId: holder.id,
      crmKind: holder.kind,
      siaghId: code,
      state: 'synced' as const,
      reason: null,
      siaghState,
      siaghChecksum: checksumOf(siaghState),
      lastSyncTransactionId: this.cp.transactionId,
      lastSyncSource: 'siagh',
      lastSyncedAt: new Date(),
      ...noPendingWrite,
    };
    const row = this.unfinished.get(code);
    try {
      if (row) await updateMapping(this.deps.db, row.id, values);
      else await insertMapping(this.deps.db, { entityType: 'customer', ...values });
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code !== '23505') throw error;
      return this.fail(
        contact,
        `CRM customer ${holder.id}, which has its customer number, is already linked to another Siagh contact`,
      );
    }
    this.done('linked');
    this.ctx.count('unchanged');
    await report(this.deps, this.ctx, {
      level: 'debug',
      entityType: 'customer',
      crmId: holder.id,
      siaghId: code,
      direction: 'siagh→crm',
      action: 'linked',
      transactionId: this.cp.transactionId,
      message: row
        ? `Found in the CRM by its customer number: created there by an import run that stopped before recording it`
        : `Linked to the CRM customer that already has its customer number`,
    });
  }

  private async create(plan: PlannedCreate, rowId: number): Promise<void> {
    const { input, contact } = plan;
    let crmId: string;
    try {
      const options = { signal: this.ctx.signal };
      crmId =
        input.kind === 'person'
          ? await this.deps.crm.createPerson(input.input, options)
          : await this.deps.crm.createOrganization(input.input, options);
    } catch (error) {
      // A create that may have reached the CRM stays unfinished: the next run looks for it by its customer number.
      const unfinished = !(error instanceof PayamgostarError) || reachedTheCrm(error);
      await updateMapping(this.deps.db, rowId, {
        ...noPendingWrite,
        state: unfinished ? 'creating' : 'failed',
        reason: (error as Error).message,
        lastError: { ...failureDetails(error), at: new Date().toISOString() },
      });
      if (endsTheRun(error, this.ctx.signal)) throw error;
      const note = unfinished
        ? '; the CRM may have created it all the same, so the next import run looks for it by its customer number before creating it'
        : '';
      return this.fail(contact, `${(error as Error).message}${note}`, error);
    }
    this.deps.created.remember(crmId, this.cp.transactionId);
    this.completions.add({ rowId, crmId, plan });
    this.done('created');
    this.ctx.count('created');
  }

  private async fail(contact: SiaghContact, reason: string, error?: unknown): Promise<void> {
    this.done('failed');
    this.ctx.count('failed');
    await report(this.deps, this.ctx, {
      level: 'error',
      entityType: 'customer',
      siaghId: String(contact.Code),
      direction: 'siagh→crm',
      action: 'failed',
      transactionId: this.cp.transactionId,
      message: `Siagh contact ${contact.Code} (${contact.Name ?? 'no name'}) was not imported into the CRM: ${reason}`,
      ...(error === undefined ? {} : { details: failureDetails(error) }),
    });
  }
}

/** Whether a failed create may have made the record all the same (its reply was lost, or the CRM failed after). */
function reachedTheCrm(error: PayamgostarError): boolean {
  if (error.notReached) return false;
  return error.kind === 'unavailable';
}
