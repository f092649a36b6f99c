/**
 * ERPNext customers: time to pull 5,000 customers (with their Address and Contact) from the simulator into a fresh
 * worker, and the latency from a change saved in ERPNext to the local update being announced on /api/events (the
 * webhook, its signature check, the read-back from ERPNext and the commit). Runs on PGlite, and on PostgreSQL when
 * DATABASE_URL is set.
 */
import { customersFeature } from '../src/sync/erpnext-customers/feature.js';
import { dateToFrappeTimestamp } from '../src/connectors/erpnext/timestamps.js';
import { databaseKinds, type DatabaseKind } from '../test/helpers/databases.js';
import { startTestWorker, testApiKey } from '../test/helpers/worker.js';
import { startErpNextSimulator } from '../test/sim/erpnext/server.js';
import type { Benchmark, BenchRow } from './types.js';

const customerCount = 5_000;
const webhookSamples = 40;
const secret = 'bench-webhook-secret';

async function measure(kind: DatabaseKind): Promise<BenchRow[]> {
  const sim = await startErpNextSimulator({
    seed: 3,
    startTime: dateToFrappeTimestamp(new Date(), 'UTC'),
    followRealTime: true,
  });
  for (let i = 1; i <= customerCount; i++) {
    sim.desk.insert('Customer', {
      customer_name: `Bench Customer ${i}`,
      customer_group: i % 3 === 0 ? 'Commercial' : 'Individual',
      ...(i % 2 === 0 ? { email_id: `buyer${i}@example.com` } : {}),
      ...(i % 4 === 0
        ? { address_line1: `${i} Market St`, city: 'Springfield', country: 'United States' }
        : {}),
    });
  }
  const tw = await startTestWorker(kind, {
    features: [customersFeature],
    env: {
      ERPNEXT_URL: sim.url,
      ERPNEXT_API_KEY: 'sim-api-key',
      ERPNEXT_API_SECRET: 'sim-api-secret',
      ERPNEXT_WEBHOOK_SECRET: secret,
      ERPNEXT_PAGE_SIZE: '500',
      ERPNEXT_REQUESTS_PER_SECOND: '200',
    },
  });
  const rows: BenchRow[] = [];
  try {
    const started = performance.now();
    const run = await tw.worker.runner.runNow('erpnext.pull-customers', {}, 'cli');
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 'succeeded' || run.created !== customerCount)
      throw new Error(`pull ended ${run.status} with ${run.created} created (expected ${customerCount})`);
    rows.push({
      benchmark: 'erpnext',
      database: kind,
      measure: `pull ${customerCount} customers (page 500)`,
      value: `${seconds.toFixed(1)} s`,
      goal: '< 30 s',
      note: `${Math.round(customerCount / seconds)} customers/s, ${sim.requests.length} requests`,
    });

    sim.webhooks.add({ url: `${tw.url}/api/webhooks/erpnext/customers`, secret, events: ['on_update'] });
    const stream = await fetch(`${tw.url}/api/events`, {
      headers: { authorization: `Bearer ${testApiKey}` },
    });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    const latencies: number[] = [];
    let buffer = '';
    for (let i = 1; i <= webhookSamples; i++) {
      const name = `CUST-${new Date().getUTCFullYear()}-${String(i).padStart(5, '0')}`;
      const t0 = performance.now();
      sim.desk.update('Customer', name, { website: `https://bench-${i}.example` });
      while (!buffer.includes(`"name":"Bench Customer ${i}"`)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream closed');
        buffer += decoder.decode(value);
      }
      latencies.push(performance.now() - t0);
      buffer = '';
    }
    await reader.cancel();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    rows.push({
      benchmark: 'erpnext',
      database: kind,
      measure: 'webhook → local update (median / p95)',
      value: `${at(0.5).toFixed(0)} ms / ${at(0.95).toFixed(0)} ms`,
      goal: '< 1 s',
      note: `${webhookSamples} ERPNext edits, until announced on /api/events`,
    });
  } finally {
    await tw.stop();
    await sim.close();
  }
  return rows;
}

const benchmark: Benchmark = {
  name: 'erpnext',
  async run() {
    const rows: BenchRow[] = [];
    for (const kind of databaseKinds) rows.push(...(await measure(kind)));
    return rows;
  },
};

export default benchmark;
