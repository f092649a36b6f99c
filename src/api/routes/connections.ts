/** "Do my credentials work?" — each connector's own cheap check, before any sync runs. */
import { Router } from 'express';
import type { ConnectionCheck } from '../../feature.js';
import { documentRoute } from '../openapi.js';
import { notFound } from '../problem.js';

export function connectionRoutes(checks: ConnectionCheck[]): Router {
  const router = Router();
  documentRoute({
    method: 'get',
    path: '/api/connections',
    summary: 'The external systems this worker can check',
    tags: ['connections'],
    responses: { '200': { description: 'System names' } },
  });
  router.get('/connections', (_req, res) => {
    res.json({ items: checks.map((c) => ({ system: c.system, href: `/api/connections/${c.system}` })) });
  });
  documentRoute({
    method: 'get',
    path: '/api/connections/:system',
    summary: 'Test the credentials of one system with one cheap call',
    tags: ['connections'],
    responses: {
      '200': { description: 'Credentials work' },
      '404': { description: 'No such system' },
      '503': { description: 'The check failed; detail says why' },
    },
  });
  router.get('/connections/:system', async (req, res) => {
    const check = checks.find((c) => c.system === req.params.system);
    if (!check) throw notFound(`Connection ${req.params.system}`);
    const result = await check.check().catch((error: Error) => ({ ok: false, detail: error.message }));
    res.status(result.ok ? 200 : 503).json({ system: check.system, ...result });
  });
  return router;
}
