/**
 * The local customer records. Every write people make commits together with its outbox entry; writes coming from
 * ERPNext (pull, webhook) use the sync variants, which write no outbox entry, so they never echo back.
 */
import { and, asc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Database, Queryable } from '../db/database.js';
import { customers, customerSyncStates } from '../models/customers.js';
import {
  applyUpdate,
  crossFieldErrors,
  customerFieldNames,
  newCustomerFields,
  pickFields,
  sameValue,
  type CustomerCreateInput,
  type CustomerFields,
  type CustomerUpdateInput,
} from './fields.js';
import { addOutboxEntry } from './outbox.js';

export type CustomerRecord = typeof customers.$inferSelect;

export class InvalidCustomerError extends Error {
  constructor(readonly errors: { field: string; message: string }[]) {
    super(`The customer is not valid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'InvalidCustomerError';
  }
}

export class CustomerNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`Customer ${id} does not exist`);
    this.name = 'CustomerNotFoundError';
  }
}

export function fieldsOf(row: CustomerRecord): CustomerFields {
  return pickFields(row) as unknown as CustomerFields;
}

export interface CustomerListFilter {
  search?: string;
  active?: boolean;
  /** Keyset: customers after this (name, id). */
  after?: { name: string; id: string };
  limit: number;
}

export async function listCustomers(db: Queryable, filter: CustomerListFilter): Promise<CustomerRecord[]> {
  const where: SQL[] = [];
  if (filter.search) {
    const like = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(
      or(
        ilike(customers.name, like),
        ilike(customers.companyName, like),
        ilike(customers.email, like),
        ilike(customers.contactPerson, like),
        ilike(customers.city, like),
      )!,
    );
  }
  if (filter.active !== undefined) where.push(eq(customers.active, filter.active));
  if (filter.after)
    where.push(sql`(${customers.name}, ${customers.id}) > (${filter.after.name}, ${filter.after.id}::uuid)`);
  return db
    .select()
    .from(customers)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(asc(customers.name), asc(customers.id))
    .limit(filter.limit);
}

export async function getCustomer(db: Queryable, id: string): Promise<CustomerRecord | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(customers).where(eq(customers.id, id));
  return row;
}

/** The row, locked until the transaction ends, so a sync and a person never interleave on one customer. */
export async function lockCustomer(tx: Queryable, id: string): Promise<CustomerRecord | undefined> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, id)).for('update');
  return row;
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}

function assertValid(fields: CustomerFields): void {
  const errors = crossFieldErrors(fields);
  if (errors.length > 0) throw new InvalidCustomerError(errors);
}

export async function createCustomer(
  db: Database,
  input: CustomerCreateInput,
  defaultCountry: string,
): Promise<CustomerRecord> {
  const fields = newCustomerFields(input, defaultCountry);
  assertValid(fields);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(customers).values(fields).returning();
    await tx.insert(customerSyncStates).values({ customerId: row!.id });
    await addOutboxEntry(tx, row!.id, 'create');
    return row!;
  });
}

/** Applies a person's change; `changed` is false when the values sent were the values already held. */
export async function updateCustomer(
  db: Database,
  id: string,
  update: CustomerUpdateInput,
  defaultCountry: string,
): Promise<{ row: CustomerRecord; changed: boolean }> {
  return db.transaction(async (tx) => {
    const current = isUuid(id) ? await lockCustomer(tx, id) : undefined;
    if (!current) throw new CustomerNotFoundError(id);
    const before = fieldsOf(current);
    const next = applyUpdate(before, update);
    if (next.address && !next.country) next.country = defaultCountry;
    assertValid(next);
    if (customerFieldNames.every((f) => sameValue(before[f], next[f])))
      return { row: current, changed: false };
    const [row] = await tx
      .update(customers)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(customers.id, id))
      .returning();
    await addOutboxEntry(tx, id, 'update');
    return { row: row!, changed: true };
  });
}

export async function deactivateCustomer(
  db: Database,
  id: string,
): Promise<{ row: CustomerRecord; changed: boolean }> {
  return db.transaction(async (tx) => {
    const current = isUuid(id) ? await lockCustomer(tx, id) : undefined;
    if (!current) throw new CustomerNotFoundError(id);
    if (!current.active) return { row: current, changed: false };
    const [row] = await tx
      .update(customers)
      .set({ active: false, updatedAt: new Date() })
      .where(eq(customers.id, id))
      .returning();
    await addOutboxEntry(tx, id, 'deactivate');
    return { row: row!, changed: true };
  });
}

/** A change that came from ERPNext: no outbox entry, so it is not sent back. */
export async function writeSyncedFields(
  tx: Queryable,
  id: string,
  fields: Partial<CustomerFields>,
  changedAt: Date,
): Promise<CustomerRecord> {
  const [row] = await tx
    .update(customers)
    .set({ ...fields, updatedAt: changedAt })
    .where(eq(customers.id, id))
    .returning();
  return row!;
}
