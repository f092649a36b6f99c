/**
 * Alerts in the worker: alerts.evaluate checks the rules and sends what is due (the same check also runs seconds
 * after runs end, so a failure is announced at once), alerts.digest sends the daily summary, circuit changes of the
 * resilience kit open and resolve alerts as they happen, and GET /api/alerts lists them.
 */
import { z } from 'zod';
import type { Config } from '../config/index.js';
import type { AppContext, FeatureFactory } from '../feature.js';
import type { JobDefinition, RunContext } from '../jobs/types.js';
import { onAnyAttempt, type AttemptEvent } from '../resilience/index.js';
import { channelSettings, channelsFrom, type AlertChannel } from './channels.js';
import { deliverDue, type DeliveryOptions } from './delivery.js';
import { queueDigest } from './digest.js';
import { evaluateAlerts } from './evaluate.js';
import { promptEvaluation } from './prompt-evaluation.js';
import { redactor } from './messages.js';
import { alertRoutes } from './routes.js';
import { alertSecrets } from './secrets.js';
import { openAlert, resolveAlert, type Announce } from './store.js';

export const EVALUATE_JOB = 'alerts.evaluate';
export const DIGEST_JOB = 'alerts.digest';

async function deliver(ctx: RunContext, send: () => ReturnType<typeof deliverDue>): Promise<void> {
  const delivered = await send();
  if (delivered.sent + delivered.retrying + delivered.failed === 0) return;
  await ctx.event({
    level: delivered.failed > 0 ? 'warn' : 'info',
    message:
      `Alert messages: ${delivered.sent} sent, ${delivered.retrying} to be tried again` +
      (delivered.failed > 0 ? `, ${delivered.failed} given up after their last attempt` : ''),
    details: delivered,
  });
}

/** Circuit changes arrive as they happen, from any policy in this process; the writes are awaited at stop. */
function circuitAlerts(config: Config, app: AppContext, announce: Announce) {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const done = work
      .catch((error: unknown) => app.log.warn({ err: error }, 'could not record a circuit alert'))
      .finally(() => pending.delete(done));
    pending.add(done);
  };
  const stop = config.ALERT_RULES.includes('circuit-open')
    ? onAnyAttempt((event: AttemptEvent) => {
        const key = `circuit:${event.system}`;
        if (event.outcome === 'circuit-opened')
          track(
            openAlert(
              app.db,
              {
                key,
                rule: 'circuit-open',
                severity: 'critical',
                title: `${event.system} is not answering: its circuit is open`,
                detail:
                  `${event.system} failed ${event.attempt} times in a row${event.error ? ` (${event.error})` : ''}, ` +
                  `while doing ${event.what}. No requests are sent to it for ${event.delayMs ?? 0} ms, then one is tried.`,
                links: [{ label: 'connections', href: '/api/connections' }],
              },
              announce,
            ),
          );
        else if (event.outcome === 'circuit-closed') track(resolveAlert(app.db, key, announce));
      })
    : () => undefined;
  return {
    async stop() {
      stop();
      await Promise.all(pending);
    },
  };
}

export const alertsFeature: FeatureFactory = (app) => {
  const { config } = app;
  const settings = channelSettings(config);
  const channels: AlertChannel[] = channelsFrom(settings);
  const redact = redactor(alertSecrets(config));
  const names = channels.map((c) => c.name);
  const announce: Announce = { channels: config.ALERT_IMMEDIATE ? names : [], redact };
  const deliveryOptions: DeliveryOptions = {
    timeoutMs: config.ALERT_SEND_TIMEOUT_MS,
    attempts: config.ALERT_SEND_ATTEMPTS,
    retryBaseMs: config.ALERT_RETRY_BASE_MS,
    redact,
  };
  if (config.ALERT_SMTP_URL && !settings.email.configured)
    app.log.warn({ missing: settings.email.missing }, `alert e-mail is off: ${settings.email.reason}`);
  const circuits = circuitAlerts(config, app, announce);
  const evaluate = () =>
    evaluateAlerts(app.db, {
      rules: config.ALERT_RULES,
      settings: {
        maxAttempts: config.JOB_MAX_ATTEMPTS,
        staleFactor: config.ALERT_STALE_FACTOR,
        quarantineMin: config.ALERT_QUARANTINE_MIN,
      },
      announce,
    });
  const afterRuns = promptEvaluation({
    quietMs: config.ALERT_EVALUATE_AFTER_RUN_MS,
    log: app.log,
    async check() {
      const result = await evaluate();
      if (result.opened.length + result.resolved.length > 0)
        app.log.info({ ...result }, 'alert rules checked after runs ended');
      const delivered = await deliverDue(app.db, channels, deliveryOptions);
      if (delivered.failed > 0)
        app.log.warn({ ...delivered }, 'alert messages given up after their last attempt');
    },
  });

  const evaluateJob: JobDefinition<Record<string, never>> = {
    name: EVALUATE_JOB,
    description:
      'Checks the alert rules: opens an alert for each new problem, resolves those gone, sends what is due.',
    data: z.object({}).strict(),
    schedule: (c) => c.ALERT_EVALUATE_SCHEDULE,
    async run(ctx) {
      const result = await evaluate();
      ctx.count('created', result.opened.length);
      ctx.count('updated', result.resolved.length);
      ctx.count('unchanged', result.stillOpen);
      if (result.opened.length + result.resolved.length > 0)
        await ctx.event({
          level: 'info',
          message: `Alerts opened: ${result.opened.join(', ') || 'none'}; resolved: ${result.resolved.join(', ') || 'none'}`,
          details: result,
        });
      await deliver(ctx, () => deliverDue(app.db, channels, deliveryOptions));
    },
  };

  const digestJob: JobDefinition<Record<string, never>> = {
    name: DIGEST_JOB,
    description:
      'Sends a summary of the open alerts and those resolved in the last day to every alert channel.',
    data: z.object({}).strict(),
    schedule: (c) => c.ALERT_DIGEST_SCHEDULE,
    async run(ctx) {
      if (names.length === 0) {
        await ctx.event({
          level: 'warn',
          message:
            'No alert channel is configured: set ALERT_SLACK_WEBHOOK_URL or ALERT_SMTP_URL with ALERT_EMAIL_TO.',
        });
        return;
      }
      const open = await queueDigest(app.db, { channels: names, redact });
      await ctx.event({
        level: 'info',
        message: `Digest of ${open} open alerts queued for ${names.join(', ')}`,
      });
      await deliver(ctx, () => deliverDue(app.db, channels, deliveryOptions));
    },
  };

  return {
    name: 'alerts',
    jobs: [evaluateJob, digestJob],
    routes: alertRoutes(app.db),
    onRunFinished(run) {
      // A run of alerts.evaluate has just checked the rules itself.
      if (config.ALERT_EVALUATE_AFTER_RUN_MS > 0 && run.job !== EVALUATE_JOB) afterRuns.runEnded();
    },
    async stop() {
      await afterRuns.stop();
      await circuits.stop();
      for (const channel of channels) channel.close?.();
    },
  };
};
