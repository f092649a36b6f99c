/**
 * The item catalogue as a portal's own item list describes it (RouteStar's /web/items/): each listed item is found
 * through the same aliases as the portal's document lines — so an invoice line and the item list name the same item —
 * or created, and given the portal's description, type, category, cost and price. The portal's on-hand is kept beside
 * it for the drift report; the ledger's own on-hand is never touched here.
 *
 * Name and unit stay a person's (PUT /api/items/:sku): the list sets them only on items it creates or that are still
 * unmapped guesses from a document line, which it then confirms.
 */
import { and, eq, isNull, notInArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '../db/database.js';
import { items, portalItemCounts } from '../models/index.js';
import type { UpsertResult } from './documents.js';
import { DocumentRejectedError } from './errors.js';
import { normaliseCode, resolveItems } from './items.js';

const optionalText = z.string().trim().nullable();
const amount = z.number().finite({ message: 'must be a finite number' }).nullable();

export const catalogueItemInputSchema = z.object({
  source: z.string().trim().min(1, { message: 'must not be empty' }),
  /** The item as the portal names it. */
  code: z.string().trim().min(1, { message: 'must not be empty' }),
  name: z.string().trim().min(1, { message: 'must not be empty' }),
  description: optionalText,
  type: optionalText,
  unit: optionalText,
  category: optionalText,
  cost: amount,
  price: amount,
  /** Null when the portal shows no count for the item (a service, say): no count is kept. */
  onHand: amount,
  onOrder: amount,
});

export type CatalogueItemInput = z.infer<typeof catalogueItemInputSchema>;

const decimal = (n: number | null): string | null => (n === null ? null : String(n));

/** Stores what the portal's item list says of one item, and its count as of `countedAt`. */
export async function upsertCatalogueItem(
  db: Queryable,
  input: CatalogueItemInput,
  countedAt: Date,
): Promise<UpsertResult> {
  const parsed = catalogueItemInputSchema.safeParse(input);
  if (!parsed.success) {
    throw DocumentRejectedError.fromZod(`Item ${input.source}/${input.code}`, parsed.error);
  }
  const item = parsed.data;
  const code = normaliseCode(item.code);
  const described = {
    description: item.description,
    type: item.type,
    category: item.category,
    cost: decimal(item.cost),
    price: decimal(item.price),
    describedBy: item.source,
  };
  return db.transaction(async (tx) => {
    const resolved = await resolveItems(tx, item.source, [{ code, name: item.name }]);
    const id = resolved.itemIdByCode.get(code)!;
    const created = resolved.createdUnmapped.includes(code);
    const [stored] = await tx.select().from(items).where(eq(items.id, id)).for('update');
    // The portal's own list vouches for an item it lists. One that is still only a guess from a document line (or
    // was just created) takes its name and unit from the list; one a person has described keeps them.
    const guessed = created || stored!.unmapped;
    const wanted = {
      ...described,
      ...(guessed ? { name: item.name, unit: item.unit ?? stored!.unit, unmapped: false } : {}),
    };
    const same = (a: string | null, b: string | null) =>
      a === b || (a !== null && b !== null && Number(a) === Number(b));
    const itemChanged =
      guessed ||
      stored!.description !== wanted.description ||
      stored!.type !== wanted.type ||
      stored!.category !== wanted.category ||
      !same(stored!.cost, wanted.cost) ||
      !same(stored!.price, wanted.price) ||
      stored!.describedBy !== wanted.describedBy;
    if (itemChanged)
      await tx
        .update(items)
        .set({ ...wanted, updatedAt: new Date() })
        .where(eq(items.id, id));
    const countChanged = await storeCount(tx, { ...item, code }, id, countedAt);
    const outcome = created ? 'created' : itemChanged || countChanged ? 'updated' : 'unchanged';
    return { id, outcome, unmappedItemsCreated: [] };
  });
}

/** Keeps the portal's count; true when it differs from the one kept before (or the code pointed elsewhere). */
async function storeCount(
  db: Queryable,
  item: CatalogueItemInput,
  itemId: string,
  countedAt: Date,
): Promise<boolean> {
  const key = and(eq(portalItemCounts.source, item.source), eq(portalItemCounts.code, item.code));
  const [before] = await db.select().from(portalItemCounts).where(key);
  if (item.onHand === null) {
    if (before) await db.delete(portalItemCounts).where(key);
    return before !== undefined;
  }
  const values = {
    itemId,
    onHand: String(item.onHand),
    onOrder: decimal(item.onOrder),
    countedAt,
    missingSince: null,
  };
  await db
    .insert(portalItemCounts)
    .values({ source: item.source, code: item.code, ...values })
    .onConflictDoUpdate({ target: [portalItemCounts.source, portalItemCounts.code], set: values });
  return (
    before === undefined ||
    before.itemId !== itemId ||
    Number(before.onHand) !== item.onHand ||
    (before.onOrder === null ? null : Number(before.onOrder)) !== item.onOrder ||
    before.missingSince !== null
  );
}

/**
 * After a complete read of a portal's item list: the counts of codes it no longer lists are flagged, not deleted, and
 * left out of the drift report. Returns the codes flagged.
 */
export async function flagUnlistedCounts(
  db: Queryable,
  source: string,
  listedCodes: string[],
  at = new Date(),
): Promise<string[]> {
  const codes = listedCodes.map(normaliseCode);
  const rows = await db
    .update(portalItemCounts)
    .set({ missingSince: at })
    .where(
      and(
        eq(portalItemCounts.source, source),
        isNull(portalItemCounts.missingSince),
        codes.length > 0 ? notInArray(portalItemCounts.code, codes) : undefined,
      ),
    )
    .returning({ code: portalItemCounts.code });
  return rows.map((r) => r.code).sort();
}
