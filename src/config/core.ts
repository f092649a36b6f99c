/** Variables of the worker itself: database, HTTP control API, job runner, logging. */
import { z } from 'zod';
import { booleanString, durationMs, listString, variable } from './env.js';

export const coreVariables = {
  NODE_ENV: variable(z.enum(['development', 'production', 'test']).default('development'), {
    example: 'production',
    description: 'Runtime mode.',
  }),
  DATA_DIR: variable(z.string().min(1).default('./data'), {
    example: './data',
    description: 'Where the embedded database, portal sessions and failure artefacts are kept.',
  }),
  DATABASE_URL: variable(
    z.url({ protocol: /^postgres(ql)?$/, message: 'expected a postgres:// URL' }).optional(),
    {
      example: 'postgres://syncworker:secret@localhost:5432/syncworker',
      secret: true,
      description: 'A PostgreSQL server. Unset: the embedded PostgreSQL (PGlite) under DATA_DIR is used.',
    },
  ),
  DATABASE_POOL_SIZE: variable(z.coerce.number().int().min(2).max(100).default(10), {
    example: '10',
    description: 'Connections kept open to the database.',
  }),
  PORT: variable(
    z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(8080),
    {
      example: '8080',
      description: 'Port of the control API and dashboard.',
    },
  ),
  HOST: variable(z.string().min(1).optional(), {
    example: '0.0.0.0',
    description: 'Address to bind. Default 0.0.0.0 with API_KEYS set, 127.0.0.1 without.',
  }),
  API_KEYS: variable(listString.default([]), {
    example: 'k3y-one,k3y-two',
    secret: true,
    description:
      'Comma-separated bearer keys for /api and /dash. Unset: the server listens on 127.0.0.1 only.',
  }),
  METRICS_TOKEN: variable(z.string().min(16, 'use at least 16 characters').optional(), {
    example: 'a-long-random-scraper-token',
    secret: true,
    description:
      'Bearer token Prometheus may use for GET /metrics besides the API keys, so the scraper holds no key to the API.',
  }),
  LOG_LEVEL: variable(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    {
      example: 'info',
      description: 'pino log level.',
    },
  ),
  LOG_PRETTY: variable(booleanString.optional(), {
    example: 'false',
    description: 'Human-readable logs. Default: on when stdout is a terminal.',
  }),
  JOB_LOCK_LIFETIME_MS: variable(durationMs.default(2 * 60 * 60 * 1000), {
    example: '7200000',
    description:
      'How long a job stays locked to a worker that stopped renewing its lock (it died) before another worker takes it over; a running job renews its lock, so it may run longer than this.',
  }),
  JOB_PROCESS_EVERY: variable(
    z
      .string()
      .min(1)
      .default('2 seconds')
      .transform((v) => (/^\d+$/.test(v) ? Number(v) : v)),
    {
      example: '2 seconds',
      description: 'How often the job runner looks for due jobs.',
    },
  ),
  JOB_MAX_ATTEMPTS: variable(z.coerce.number().int().min(1).max(20).default(4), {
    example: '4',
    description: 'Attempts of a failed scheduled run, with exponential backoff between them.',
  }),
  JOB_BACKOFF_MS: variable(durationMs.default(30_000), {
    example: '30000',
    description: 'First delay of the exponential backoff between attempts.',
  }),
  SHUTDOWN_TIMEOUT_MS: variable(durationMs.default(30_000), {
    example: '30000',
    description: 'On SIGTERM/SIGINT, how long running jobs may take to finish before they are interrupted.',
  }),
  RETENTION_DAYS: variable(z.coerce.number().int().min(1).default(30), {
    example: '30',
    description: 'Finished job records and sync runs older than this are pruned.',
  }),
  PRUNE_SCHEDULE: variable(z.string().min(1).default('17 3 * * *'), {
    example: '17 3 * * *',
    description: 'When maintenance.prune-history runs (cron or "every" interval).',
  }),
  SCHEDULES_ENABLED: variable(booleanString.default(true), {
    example: 'true',
    description: 'Register the recurring schedules. false: jobs run only when asked for.',
  }),
};
