/**
 * Cursor pagination: the cursor is an opaque token holding the sort key of the last row returned, so pages stay
 * stable while new rows arrive.
 */
import { z } from 'zod';
import { HttpProblem } from './problem.js';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): unknown[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key)) return key;
  } catch {
    // falls through to the 400 below
  }
  throw new HttpProblem(
    400,
    'Bad Request',
    'The cursor is not valid; use the nextCursor of a previous page',
    {
      errors: [{ field: 'cursor', message: 'not a cursor returned by this API' }],
    },
  );
}

/** The key a cursor holds, checked against the shape of this list's keys; a cursor of another list is refused. */
function cursorKey<Key>(cursor: string | undefined, keyShape: z.ZodType<Key>): Key | undefined {
  if (!cursor) return undefined;
  const parsed = keyShape.safeParse(decodeCursor(cursor));
  if (parsed.success) return parsed.data;
  throw new HttpProblem(
    400,
    'Bad Request',
    'The cursor is not valid here; use the nextCursor of a previous page of this list',
    {
      errors: [{ field: 'cursor', message: 'not a cursor of this list' }],
    },
  );
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Given limit+1 rows fetched, returns the page and the cursor of its last row when more exist. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/**
 * Reads one page of a list in key order: `read` gets the key after which to continue (none on the first page) and
 * how many rows to fetch, one more than the page holds so that it is known whether another page follows.
 */
export async function readPage<Key, Row>(
  query: { limit: number; cursor?: string },
  keyShape: z.ZodType<Key>,
  read: (after: Key | undefined, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => unknown[],
): Promise<Page<Row>> {
  const rows = await read(cursorKey(query.cursor, keyShape), query.limit + 1);
  return toPage(rows, query.limit, keyOf);
}
