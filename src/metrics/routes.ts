/** GET /metrics in Prometheus' text format. */
import { Router } from 'express';
import type { Registry } from 'prom-client';

export function metricsRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const body = await registry.metrics();
    res.type(registry.contentType).set('cache-control', 'no-store').send(body);
  });
  return router;
}
