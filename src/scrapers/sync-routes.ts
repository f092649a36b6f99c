/** The routes that queue a portal sync in one of its modes: POST /<portal>/sync/<mode> → 202 with the run id. */
import type { Router } from 'express';
import type { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { parseInput } from '../api/problem.js';

export function addSyncModeRoutes<Mode extends string, Options extends object>(
  routes: Router,
  portal: { path: string; label: string },
  modes: readonly Mode[],
  syncOptions: z.ZodType<Options>,
  enqueue: (data: Options & { mode: Mode }) => Promise<{ runId: string }>,
): void {
  for (const mode of modes) {
    documentRoute({
      method: 'post',
      path: `/api/${portal.path}/sync/${mode}`,
      summary: `Queue a ${portal.label} sync (${mode})`,
      tags: [portal.path],
      body: syncOptions,
      responses: {
        '202': { description: 'Queued; the body holds the run id' },
        '400': { description: 'Bad options; nothing queued' },
        '409': { description: `${portal.label} is not configured` },
      },
    });
    routes.post(`/${portal.path}/sync/${mode}`, async (req, res) => {
      const options = parseInput(syncOptions, req.body ?? {}, 'request body');
      const { runId } = await enqueue({ ...options, mode });
      res.status(202).location(`/api/runs/${runId}`).json({ runId });
    });
  }
}
