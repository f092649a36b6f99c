/**
 * The read routes over the documents a portal scraper stored: a page of them newest first, one with its lines, and
 * counts with the last sync run. Each portal brings its own queries, since its documents have their own columns;
 * the URLs, OpenAPI entries and 404s are the same for every portal.
 */
import { and, desc, eq, ne, sql, type Column } from 'drizzle-orm';
import type { Router } from 'express';
import type { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import type { Page } from '../api/pagination.js';
import { notFound, parseInput } from '../api/problem.js';
import type { Database } from '../db/database.js';
import { syncRuns } from '../models/index.js';

export interface StoredDocumentReads<Query> {
  portal: { path: string; label: string };
  /** What the portal calls one document; it names the URLs (`/orders/:orderNumber`) and the 404s. */
  noun: string;
  /** How the API documentation names one document, e.g. "purchase order". */
  title: string;
  listQuery: z.ZodType<Query>;
  list(query: Query): Promise<Page<unknown>>;
  /** The document with its lines, or undefined when it is not stored. */
  one(number: string): Promise<object | undefined>;
  statsSummary: string;
  stats(): Promise<object>;
}

export function addStoredDocumentRoutes<Query>(routes: Router, reads: StoredDocumentReads<Query>): void {
  const { portal, noun } = reads;
  const tags = [portal.path];
  const list = `/${portal.path}/${noun}s`;
  const param = `${noun}Number`;

  documentRoute({
    method: 'get',
    path: `/api${list}`,
    summary: `${portal.label} ${reads.title}s stored, newest first (cursor pagination)`,
    tags,
    query: reads.listQuery,
    responses: { '200': { description: `A page of ${noun}s and the cursor of the next one` } },
  });
  routes.get(list, async (req, res) => {
    res.json(await reads.list(parseInput(reads.listQuery, req.query, 'query')));
  });

  documentRoute({
    method: 'get',
    path: `/api${list}/:${param}`,
    summary: `One ${portal.label} ${reads.title} with its lines`,
    tags,
    responses: { '200': { description: `The ${noun}` }, '404': { description: 'Not stored' } },
  });
  routes.get(`${list}/:${param}`, async (req, res) => {
    const number = String(req.params[param]);
    const document = await reads.one(number);
    if (!document) throw notFound(`${portal.label} ${noun} ${number}`);
    res.json(document);
  });

  documentRoute({
    method: 'get',
    path: `/api/${portal.path}/stats`,
    summary: reads.statsSummary,
    tags,
    responses: { '200': { description: 'Counts' } },
  });
  routes.get(`/${portal.path}/stats`, async (_req, res) => {
    res.json(await reads.stats());
  });
}

/** Counts every portal's stats show: documents whose lines were never read, and those the ledger has not posted. */
export function lineAndPostingCounts(documents: {
  linesChecksum: Column;
  postingRevision: Column;
  postedRevision: Column;
}) {
  return {
    withoutLines: sql<number>`count(*) filter (where ${documents.linesChecksum} is null)`.mapWith(Number),
    awaitingPosting:
      sql<number>`count(*) filter (where ${documents.postingRevision} <> ${documents.postedRevision})`.mapWith(
        Number,
      ),
  };
}

/** The newest run of the job that has started, or null; a run still queued says nothing about the portal yet. */
export async function lastSyncRun(db: Database, job: string) {
  const [run] = await db
    .select({
      id: syncRuns.id,
      status: syncRuns.status,
      queuedAt: syncRuns.queuedAt,
      finishedAt: syncRuns.finishedAt,
    })
    .from(syncRuns)
    .where(and(eq(syncRuns.job, job), ne(syncRuns.status, 'queued')))
    .orderBy(desc(syncRuns.queuedAt))
    .limit(1);
  return run ?? null;
}
