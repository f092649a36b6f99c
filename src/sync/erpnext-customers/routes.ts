/**
 * The customers feature's API: the local customer API (whose outbox this flow delivers) with the manual full sync
 * with ERPNext placed among its routes.
 */
import { Router } from 'express';
import { documentRoute } from '../../api/openapi.js';
import {
  customerCollectionRoutes,
  customerEventRoutes,
  customerRecordRoutes,
  type CustomerApi,
} from '../../customers/routes.js';
import { pullJobName, pushJobName, remoteOrUnavailable, requestPush, type CustomerSync } from './context.js';

export function customerRoutes(sync: CustomerSync): Router {
  const router = Router();
  const api: CustomerApi = {
    db: sync.db,
    events: sync.events,
    defaultCountry: sync.settings.defaultCountry,
    outboxChanged: () => requestPush(sync),
  };
  // Routes are matched, and listed in the OpenAPI document, in the order they are added.
  customerCollectionRoutes(router, api);
  fullSyncRoute(router, sync);
  customerRecordRoutes(router, api);
  customerEventRoutes(router, api);
  return router;
}

function fullSyncRoute(router: Router, sync: CustomerSync): void {
  documentRoute({
    method: 'post',
    path: '/api/customers/sync',
    summary: 'Full sync with ERPNext now: pull every customer, push waiting changes',
    tags: ['customers'],
    responses: {
      '202': { description: 'Queued; follow the run at /api/runs/{runId}' },
      '503': { description: 'ERPNext is not configured' },
    },
  });
  router.post('/customers/sync', async (_req, res) => {
    remoteOrUnavailable(sync);
    const push = await sync.jobs.enqueue(pushJobName, {}, 'manual');
    const pull = await sync.jobs.enqueue(pullJobName, { full: true }, 'manual');
    res.status(202).json({ runId: pull.runId, pushRunId: push.runId });
  });
}
