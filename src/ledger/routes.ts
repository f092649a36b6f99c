/**
 * The ledger's control API (mounted under /api), composed from one file per resource. Bad input is answered with
 * problem+json and nothing is written. The order below is the order Express matches in (the drift report before
 * /inventory/:sku) and the order the OpenAPI document lists the paths in, so keep it.
 */
import { Router } from 'express';
import type { Database } from '../db/database.js';
import type { JobQueue } from '../jobs/types.js';
import { addAdjustmentRoute } from './adjustment-routes.js';
import { addAnalyticsRoutes } from './analytics-routes.js';
import { addDocumentRoutes } from './document-routes.js';
import { addInventoryRoutes } from './inventory-routes.js';
import { addItemRoutes } from './item-routes.js';
import type { PostingRules } from './posting-rules.js';

export interface LedgerRouteDeps {
  db: Database;
  jobs: JobQueue;
  rules: PostingRules;
  lowStockThreshold: number;
}

export function ledgerRoutes(deps: LedgerRouteDeps): Router {
  const router = Router();
  addInventoryRoutes(router, deps);
  addAdjustmentRoute(router, deps);
  addItemRoutes(router, deps);
  addAnalyticsRoutes(router, deps);
  addDocumentRoutes(router, deps);
  return router;
}
