/**
 * The routes that queue a portal sync: POST /<portal>/sync/<mode> for each of its modes, and
 * POST /<portal>/sync/details/:<noun>Number to re-read one document. Both answer 202 with the run id.
 */
import type { Response, Router } from 'express';
import type { z } from 'zod';
import { documentRoute } from '../api/openapi.js';
import { parseInput } from '../api/problem.js';

function queued(res: Response, runId: string): void {
  res.status(202).location(`/api/runs/${runId}`).json({ runId });
}

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
      queued(res, runId);
    });
  }
}

/** `noun` is what the portal calls one document ("order", "invoice"); `number` validates its number. */
export function addSyncDetailsRoute(
  routes: Router,
  portal: { path: string; label: string },
  noun: string,
  number: z.ZodType<string>,
  enqueue: (number: string) => Promise<{ runId: string }>,
): void {
  const param = `${noun}Number`;
  documentRoute({
    method: 'post',
    path: `/api/${portal.path}/sync/details/:${param}`,
    summary: `Queue a re-read of one ${portal.label} ${noun} detail page`,
    tags: [portal.path],
    responses: {
      '202': { description: 'Queued; the body holds the run id' },
      '400': { description: `Not an ${noun} number` },
      '409': { description: `${portal.label} is not configured` },
    },
  });
  routes.post(`/${portal.path}/sync/details/:${param}`, async (req, res) => {
    const { runId } = await enqueue(parseInput(number, req.params[param], `${noun} number`));
    queued(res, runId);
  });
}
