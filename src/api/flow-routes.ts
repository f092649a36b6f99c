/**
 * What the control API of every sync flow shares: routes documented under the flow's base path and tag, runs queued
 * only when the flow is configured (503 with what is missing otherwise), and the body that starts or continues a
 * resumable initial load.
 */
import { z } from 'zod';
import type { JobQueue, Trigger } from '../jobs/types.js';
import { documentRoute } from './openapi.js';
import { HttpProblem } from './problem.js';

export interface FlowRoutesOptions {
  /** Under /api, e.g. /sync/netsuite-records. */
  base: string;
  tag: string;
  jobs: JobQueue;
  /** Why the flow cannot run, when its settings are missing. */
  notConfigured?: string;
}

export const initialLoadBody = z.object({ restart: z.boolean().default(false) }).default({ restart: false });

export function flowRouteKit(options: FlowRoutesOptions) {
  return {
    doc(
      method: 'get' | 'post',
      path: string,
      summary: string,
      extra: { body?: z.ZodType; query?: z.ZodType } = {},
    ): void {
      documentRoute({
        method,
        path: `/api${options.base}${path}`,
        summary,
        tags: [options.tag],
        ...extra,
        responses:
          method === 'post'
            ? {
                '202': { description: 'Run queued; runId in the body' },
                '400': { description: 'Invalid input' },
                '503': { description: 'Not configured' },
              }
            : { '200': { description: 'OK' } },
      });
    },
    enqueue(job: string, data: unknown, trigger: Trigger = 'manual') {
      if (options.notConfigured) throw new HttpProblem(503, 'Service Unavailable', options.notConfigured);
      return options.jobs.enqueue(job, data, trigger);
    },
  };
}
