/**
 * Reads one object's query as complete records (all the rows of one internal id together), page by page, past the
 * 100,000-row cap. Pages are read by offset within a query (the next page is asked for while this one is written);
 * when a query reaches the cap, a new one starts after the last record known to be complete, so a transaction whose
 * lines straddle a page or the cap is never handed over in part, and none is read twice or skipped.
 */
import type { NetSuiteClient } from '../../connectors/netsuite/client.js';
import type { SuiteQlRow } from '../../connectors/netsuite/schemas.js';

export interface RecordPage {
  /** Complete records, each its rows in query order. */
  records: SuiteQlRow[][];
  /** Rows those records hold. */
  rows: number;
  /** Internal id of the last record: a later slice starts after it. */
  lastId: number;
  /** Rows the current query matched, given with its first page (NetSuite may count at most the cap). */
  matchedByQuery?: number;
}

export class RecordTooLargeError extends Error {
  constructor(id: string, cap: number) {
    super(
      `NetSuite record ${id} alone has ${cap} or more rows, more than one SuiteQL query can return: it cannot be read whole`,
    );
    this.name = 'RecordTooLargeError';
  }
}

/**
 * Complete records of the query `queryAfter(lastId)` from `startAfter` on. Rows must come ordered by `id` first;
 * a page can end with records still open, which are handed over with the next page.
 */
export async function* completeRecords(
  client: NetSuiteClient,
  queryAfter: (lastId: number) => string,
  pageSize: number,
  startAfter = 0,
): AsyncGenerator<RecordPage> {
  let after = startAfter;
  for (;;) {
    let open: SuiteQlRow[] = [];
    let rowsInQuery = 0;
    let firstPage = true;
    let lastComplete: number | undefined;
    let capped = false;
    for await (const page of client.suiteqlPages(queryAfter(after), pageSize)) {
      const rows = page.items as SuiteQlRow[];
      rowsInQuery += rows.length;
      const records: SuiteQlRow[][] = [];
      for (const row of rows) {
        if (open.length > 0 && open[0]!.id !== row.id) {
          records.push(open);
          open = [];
        }
        open.push(row);
      }
      // At the cap the query stops, whatever hasMore says: its last record may go on beyond it.
      capped = rowsInQuery >= client.resultCap;
      if (!page.hasMore && !capped && open.length > 0) {
        records.push(open);
        open = [];
      }
      const matchedByQuery = firstPage ? page.totalResults : undefined;
      firstPage = false;
      if (records.length === 0) {
        if (matchedByQuery !== undefined && rows.length === 0)
          yield { records, rows: 0, lastId: after, matchedByQuery };
        continue;
      }
      lastComplete = Number(records.at(-1)![0]!.id);
      yield {
        records,
        rows: records.reduce((n, r) => n + r.length, 0),
        lastId: lastComplete,
        matchedByQuery,
      };
    }
    if (!capped) return;
    if (lastComplete === undefined)
      throw new RecordTooLargeError(open[0]?.id ?? String(after), client.resultCap);
    after = lastComplete;
  }
}
