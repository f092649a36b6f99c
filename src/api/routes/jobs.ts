/** The job list and manual runs: POST /api/jobs/:name/run validates the body with that job's own schema. */
import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import type { JobRunner } from '../../jobs/runner.js';
import { lastRuns } from '../../jobs/runs.js';
import { documentRoute } from '../openapi.js';

export function jobRoutes(runner: JobRunner, db: Database): Router {
  const router = Router();

  documentRoute({
    method: 'get',
    path: '/api/jobs',
    summary: 'Defined jobs with their schedule, last run and next run',
    tags: ['jobs'],
    responses: { '200': { description: 'The jobs' }, '401': { description: 'No valid API key' } },
  });
  router.get('/jobs', async (_req, res) => {
    const [jobs, last] = await Promise.all([runner.overview(), lastRuns(db)]);
    res.json({ items: jobs.map((job) => ({ ...job, lastRun: last.get(job.name) ?? null })) });
  });

  for (const def of runner.list()) {
    documentRoute({
      method: 'post',
      path: `/api/jobs/${def.name}/run`,
      summary: `Run ${def.name} now: ${def.description}`,
      tags: ['jobs'],
      body: def.data,
      responses: {
        '202': { description: 'Queued; the body holds the run id', schema: z.object({ runId: z.string() }) },
        '400': { description: 'The data is not valid for this job; nothing was queued' },
        '401': { description: 'No valid API key' },
        '404': { description: 'No such job' },
      },
    });
  }
  router.post('/jobs/:name/run', async (req, res) => {
    const { runId } = await runner.enqueue(req.params.name, req.body ?? {}, 'manual');
    res.status(202).location(`/api/runs/${runId}`).json({ runId });
  });

  return router;
}
