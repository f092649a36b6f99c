/** What a job is, and the one API every job uses to record its run (counters and per-record events). */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Config } from '../config/index.js';

export const triggers = ['schedule', 'manual', 'webhook', 'cli'] as const;
export type Trigger = (typeof triggers)[number];

export const runStatuses = ['queued', 'running', 'succeeded', 'partial', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

export const counterNames = ['created', 'updated', 'unchanged', 'skipped', 'deleted', 'failed'] as const;
export type CounterName = (typeof counterNames)[number];
export type Counters = Record<CounterName, number>;

export const eventLevels = ['debug', 'info', 'warn', 'error'] as const;
export type EventLevel = (typeof eventLevels)[number];

export interface RunEventInput {
  level: EventLevel;
  message: string;
  /** The record the event is about, e.g. "purchase_order:75938" or "item:ABC-1". */
  entity?: string;
  details?: unknown;
}

export interface RunProgress {
  processed: number;
  total?: number;
  /** Free-form position, e.g. the last committed page, shown beside the numbers. */
  note?: string;
}

export interface RunContext {
  readonly runId: string;
  readonly job: string;
  readonly trigger: Trigger;
  readonly log: Logger;
  /** Aborted when the worker is shutting down and the drain time is over: stop at the next safe point. */
  readonly signal: AbortSignal;
  count(counter: CounterName, n?: number): void;
  event(event: RunEventInput): Promise<void>;
  progress(progress: RunProgress): Promise<void>;
}

export interface JobDefinition<D = unknown> {
  name: string;
  description: string;
  /** Validates the data of a manual or API-triggered run; its errors answer 400. */
  data: z.ZodType<D>;
  /** Cron expression or Agenda interval ("15 minutes"); undefined: runs only when asked for. */
  schedule?: (config: Config) => string | undefined;
  /** Runs of this job allowed at once; default 1 (one run at a time). */
  concurrency?: number;
  run(ctx: RunContext, data: D): Promise<void>;
}

// A registry holds jobs of many data types; `any` keeps JobDefinition<D> assignable without widening run().
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<any>;

export interface EnqueueResult {
  runId: string;
}

/** How API routes and webhooks ask for a run. */
export interface JobQueue {
  enqueue(name: string, data: unknown, trigger: Trigger): Promise<EnqueueResult>;
}
