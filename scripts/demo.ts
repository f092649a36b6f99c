/**
 * `npm run demo`: syncworker against simulated systems, on the embedded database. Starts the CustomerConnect and
 * RouteStar portal simulators, ERPNext, Payamgostar and Siagh, and NetSuite (customers, invoices and credit notes;
 * with a throwaway MariaDB for OPMS when MariaDB is installed),
 * starts the worker pointed at them, runs each sync once, prints what it found, and keeps running so the dashboard
 * and API can be explored. `--once` exits after the summary.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig, secretValues } from '../src/config/index.js';
import { getRun, runEvents, type SyncRun } from '../src/jobs/runs.js';
import { driftReport, postingRulesFrom } from '../src/ledger/index.js';
import { createLogger } from '../src/log.js';
import { startWorker, stopOnSignals, type Worker } from '../src/worker.js';
import { startCustomerConnectSimulator } from '../test/sim/customerconnect/server.js';
import { startErpNextSimulator } from '../test/sim/erpnext/server.js';
import { startNetSuiteSim } from '../test/sim/netsuite/server.js';
import { startPayamgostarSimulator } from '../test/sim/payamgostar/server.js';
import { startSiaghSim } from '../test/sim/siagh/server.js';
import { startMariaDb } from '../test/sim/opms/mariadb.js';
import { createOpmsSchema, seedOpmsItems } from '../test/sim/opms/schema.js';
import { startRouteStarSimulator } from '../test/sim/routestar/server.js';

const once = process.argv.includes('--once');
const dataDir = process.env.DATA_DIR ?? join('data', 'demo');
const say = (line = '') => process.stdout.write(`${line}\n`);
// The simulated systems start afresh each time, so what a previous demo stored (mappings to their records, cursors)
// would point at records that no longer exist. A folder the user named is theirs: it is never wiped.
if (process.env.DATA_DIR === undefined) {
  rmSync(dataDir, { recursive: true, force: true });
  say(`Starting from an empty ${dataDir} (the simulators start afresh too).`);
}
const closers: (() => Promise<unknown>)[] = [];

say('Starting the simulated systems…');
const customerConnect = await startCustomerConnectSimulator({ orders: 35 });
closers.push(() => customerConnect.close());
const routeStar = await startRouteStarSimulator({ pendingInvoices: 18, closedInvoices: 30 });
closers.push(() => routeStar.close());
const erpnext = await startErpNextSimulator({});
closers.push(() => erpnext.close());
say(`  CustomerConnect ${customerConnect.url}`);
say(`  RouteStar       ${routeStar.url}`);
say(`  ERPNext         ${erpnext.url}`);
const payamgostar = await startPayamgostarSimulator({ generate: { persons: 4, organizations: 2 } });
closers.push(() => payamgostar.close());
const siagh = await startSiaghSim({ contactCount: 300 });
closers.push(() => siagh.close());
say(`  Payamgostar     ${payamgostar.url} (6 CRM-only customers)`);
say(`  Siagh           ${siagh.url} (300 contacts)`);
const webhookToken = 'demo-webhook-token-0123456789';

const env: Record<string, string> = {
  DATA_DIR: dataDir,
  CUSTOMERCONNECT_BASE_URL: customerConnect.url,
  CUSTOMERCONNECT_EMAIL: customerConnect.email,
  CUSTOMERCONNECT_PASSWORD: customerConnect.password,
  CUSTOMERCONNECT_MIN_SPACING_MS: '0',
  ROUTESTAR_BASE_URL: routeStar.url,
  ROUTESTAR_USERNAME: routeStar.username,
  ROUTESTAR_PASSWORD: routeStar.password,
  ROUTESTAR_MIN_SPACING_MS: '0',
  ERPNEXT_URL: erpnext.url,
  ERPNEXT_API_KEY: 'sim-api-key',
  ERPNEXT_API_SECRET: 'sim-api-secret',
  PAYAMGOSTAR_URL: payamgostar.url,
  PAYAMGOSTAR_USERNAME: payamgostar.username,
  PAYAMGOSTAR_PASSWORD: payamgostar.password,
  PAYAMGOSTAR_REQUESTS_PER_SECOND: '50',
  SIAGH_URL: siagh.url,
  SIAGH_USERNAME: siagh.users[0]!.userName,
  SIAGH_PASSWORD: siagh.users[0]!.password,
  PAYAMGOSTAR_SIAGH_WEBHOOK_TOKEN: webhookToken,
};

const tba = {
  consumerKey: 'demo-ck',
  consumerSecret: 'demo-cs',
  tokenId: 'demo-tk',
  tokenSecret: 'demo-ts',
};
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const netsuite = await startNetSuiteSim({
  itemCount: 300,
  tba,
  oauth2: { clientId: 'demo-client', certificateId: 'demo-kid', publicKey: keys.publicKey },
  dateFormat: 'DD/MM/YYYY',
  records: { invoiceLines: 3000 },
});
closers.push(() => netsuite.close());
Object.assign(env, {
  NETSUITE_ACCOUNT_ID: netsuite.accountId,
  NETSUITE_BASE_URL: netsuite.url,
  NETSUITE_TIMEZONE: 'America/Los_Angeles',
  NETSUITE_DATE_FORMAT: 'DD/MM/YYYY',
  NETSUITE_CONSUMER_KEY: tba.consumerKey,
  NETSUITE_CONSUMER_SECRET: tba.consumerSecret,
  NETSUITE_TOKEN_ID: tba.tokenId,
  NETSUITE_TOKEN_SECRET: tba.tokenSecret,
  // The simulator is local: the demo need not wait a second between pages as a real account asks.
  NETSUITE_REQUESTS_PER_SECOND: '20',
});
say(
  `  NetSuite        ${netsuite.url} (300 items, ${netsuite.records.customers.length} customers, ${netsuite.records.transactions.length} invoices and credit memos)`,
);

const mariadbInstalled = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].some((p) => existsSync(p));
if (mariadbInstalled) {
  const opms = await startMariaDb();
  closers.push(() => opms.close());
  await createOpmsSchema(opms.url);
  await seedOpmsItems(
    opms.url,
    netsuite.items.map((item, n) => ({
      code: item.itemid,
      productId: 10_000 + n,
      p_res_cut: 1,
      p_hosp_roll: 2,
      cost_cut: 3,
      cost_roll: 4,
    })),
  );
  Object.assign(env, {
    NETSUITE_OPMS_WEBHOOK_SECRET: 'demo-webhook-secret',
    OPMS_DATABASE_URL: opms.url,
  });
  say(`  OPMS (MariaDB)  ${opms.host}:${opms.port}`);
} else {
  say('  NetSuite → OPMS: skipped (MariaDB is not installed: apt-get install mariadb-server)');
}

const config = loadConfig({ ...process.env, ...env });
const log = createLogger({
  level: process.env.LOG_LEVEL ?? 'error',
  pretty: config.LOG_PRETTY,
  secrets: secretValues(config),
});
say(`\nStarting syncworker on the embedded database under ${dataDir}…`);
const worker = await startWorker(config, { log });
// Both systems tell the worker of every change, as the CRM's webhook and a Siagh trigger would.
payamgostar.webhooks.settings.url = `${worker.url}/api/sync/payamgostar-siagh/webhook?token=${webhookToken}`;
payamgostar.webhooks.settings.enabled = true;
siagh.notifications.settings.url = `${worker.url}/api/sync/payamgostar-siagh/webhook/siagh?token=${webhookToken}`;

async function runAndWait(job: string, data: unknown): Promise<SyncRun> {
  const { runId } = await worker.runner.enqueue(job, data, 'manual');
  for (;;) {
    const run = await getRun(worker.database.db, runId);
    if (run && !['queued', 'running'].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const jobs: [string, unknown][] = [
  ['customerconnect.sync', { mode: 'full' }],
  ['routestar.sync', { mode: 'full' }],
  ['erpnext.pull-customers', {}],
  ['payamgostar-siagh.initial-import', {}],
  ['payamgostar-siagh.poll', {}],
];
if (mariadbInstalled) jobs.push(['netsuite-to-opms.initial', {}]);
jobs.push(['netsuite.records.initial', {}]);

for (const [job, data] of jobs) {
  if (!worker.runner.list().some((d) => d.name === job)) continue;
  process.stdout.write(`  running ${job}… `);
  const started = Date.now();
  const run = await runAndWait(job, data);
  say(
    `${run.status} in ${((Date.now() - started) / 1000).toFixed(1)} s — created ${run.created}, updated ${run.updated}, ` +
      `unchanged ${run.unchanged}, skipped ${run.skipped}, failed ${run.failed}`,
  );
  if (run.status !== 'succeeded') {
    // The simulators seed a few bad records on purpose: show that they were set aside, and why.
    const problems = (await runEvents(worker.database.db, run.id)).filter(
      (e) => e.level === 'error' || e.level === 'warn',
    );
    for (const e of problems.slice(0, 3)) say(`    ${e.level}: ${e.message}`);
    if (problems.length > 3) say(`    … ${problems.length - 3} more: GET /api/runs/${run.id}`);
  }
}

await salesQuoteToPreInvoice(worker);
await printSummary(worker);
await printDrift(worker);

if (once) {
  await shutdown(0);
} else {
  say(`\nDashboard: ${worker.url}/dash   API: ${worker.url}/api/jobs   (Ctrl-C to stop)`);
  await shutdown(await stopOnSignals(worker, log), false);
}

/** A salesperson adds a customer and issues a quote in the CRM; the webhooks bring both into Siagh. */
async function salesQuoteToPreInvoice(w: Worker): Promise<void> {
  process.stdout.write('  a salesperson adds a customer and a quote in the CRM… ');
  const customer = payamgostar.salesperson.createPerson({ nickName: 'مشتری نمایشی' });
  const quote = payamgostar.salesperson.createQuote({
    identityId: customer.crmId as string,
    saleModel: 5,
    subject: 'نمایش',
    lines: [
      { productCode: '500102014', unit: 'عدد', count: 2, unitPrice: 2_500_000 },
      { productCode: 'Product-1', unit: 'قطعه', count: 1, unitPrice: 720_000, discount: 20_000 },
    ],
  });
  const deadline = Date.now() + 30_000;
  const mapped = async () =>
    (
      await w.database.db.execute<{ siagh_id: string | null }>(
        sql`SELECT siagh_id FROM payamgostar_siagh_mappings WHERE entity_type = 'pre-invoice' AND crm_id = ${quote.crmId as string}`,
      )
    ).rows[0]?.siagh_id;
  let number = await mapped();
  while (!number && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    number = await mapped();
  }
  say(
    number
      ? `quote ${quote.number as string} is Siagh pre-invoice ${number}`
      : 'not in Siagh yet (see /api/sync/payamgostar-siagh/logs)',
  );
}

async function printSummary(w: Worker): Promise<void> {
  const one = async (query: ReturnType<typeof sql>) =>
    ((await w.database.db.execute(query)).rows[0] ?? {}) as Record<string, number | string>;
  const documents = await one(sql`SELECT
      (SELECT count(*) FROM purchase_orders)::int AS orders,
      (SELECT count(*) FROM purchase_order_lines)::int AS order_lines,
      (SELECT count(*) FROM sales_invoices)::int AS invoices,
      (SELECT count(*) FROM sales_invoice_lines)::int AS invoice_lines,
      (SELECT count(*) FROM stock_movements)::int AS movements,
      (SELECT count(*) FROM items)::int AS items,
      (SELECT count(*) FROM items WHERE unmapped)::int AS unmapped`);
  const mappings = await one(sql`SELECT
      (SELECT count(*) FROM payamgostar_siagh_mappings WHERE entity_type = 'customer' AND state = 'synced')::int AS customers,
      (SELECT count(*) FROM payamgostar_siagh_mappings WHERE entity_type = 'pre-invoice' AND state = 'synced')::int AS pre_invoices`);
  say('\nWhat the worker now holds:');
  say(
    `  CRM ↔ Siagh     ${mappings.customers} customers mapped, ${mappings.pre_invoices} quotes made pre-invoices`,
  );
  say(`  purchase orders ${documents.orders} (${documents.order_lines} lines) from CustomerConnect`);
  say(`  sales invoices  ${documents.invoices} (${documents.invoice_lines} lines) from RouteStar`);
  say(
    `  stock movements ${documents.movements}; items ${documents.items} (${documents.unmapped} first seen in documents, to map)`,
  );
  const onHand = await w.database.db.execute(sql`
    SELECT i.sku, b.on_hand::float8 AS on_hand
      FROM stock_balances b JOIN items i ON i.id = b.item_id
     ORDER BY abs(b.on_hand) DESC, i.sku LIMIT 8`);
  say('  on hand (largest first):');
  for (const row of onHand.rows as { sku: string; on_hand: number }[])
    say(`    ${row.sku.padEnd(28)} ${row.on_hand}`);
  const records = await one(sql`SELECT
      (SELECT count(*) FROM netsuite_customers)::int AS customers,
      (SELECT count(*) FROM netsuite_transactions WHERE type = 'invoice')::int AS invoices,
      (SELECT count(*) FROM netsuite_transactions WHERE type = 'credit_note')::int AS credit_notes,
      (SELECT count(*) FROM netsuite_transaction_lines)::int AS lines`);
  say(
    `  NetSuite        ${records.customers} customers, ${records.invoices} invoices, ${records.credit_notes} credit notes (${records.lines} lines)`,
  );
  const revenue = await w.database.db.execute(sql`
    SELECT to_char(t.tran_date, 'YYYY-MM') AS month, t.currency,
           sum(l.amount) FILTER (WHERE l.classification = 'subscription')::float8 AS subscription,
           sum(l.amount) FILTER (WHERE l.classification = 'one_off')::float8 AS one_off
      FROM netsuite_transaction_lines l JOIN netsuite_transactions t ON t.id = l.transaction_id
     WHERE t.deleted_at IS NULL AND l.excluded_reason IS NULL
     GROUP BY 1, 2 ORDER BY 1 DESC, 2 LIMIT 6`);
  say('  revenue, latest months (subscription / one-off; GET /api/netsuite/revenue for all):');
  for (const row of revenue.rows as {
    month: string;
    currency: string;
    subscription: number;
    one_off: number;
  }[])
    say(
      `    ${row.month} ${row.currency} ${(row.subscription ?? 0).toFixed(2)} / ${(row.one_off ?? 0).toFixed(2)}`,
    );
}

/** RouteStar's own on-hand beside the ledger's: the items that disagree most, and the likeliest reason for each. */
async function printDrift(w: Worker): Promise<void> {
  const rows = await driftReport(w.database.db, postingRulesFrom(w.config), {
    source: 'routestar',
    tolerance: 0,
    includeMatching: false,
    limit: 500,
  });
  say(
    `\nDrift, RouteStar on-hand against the ledger's (${rows.length} items differ; GET /api/inventory/drift):`,
  );
  say(
    `    ${'item'.padEnd(30)} ${'portal'.padStart(7)} ${'ledger'.padStart(7)} ${'diff'.padStart(7)}  likeliest reason`,
  );
  const worst = [...rows].sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference)).slice(0, 8);
  for (const row of worst) {
    const reason = [...row.reasons].sort((a, b) => Math.abs(b.explains) - Math.abs(a.explains))[0];
    say(
      `    ${row.sku.slice(0, 30).padEnd(30)} ${String(row.portalOnHand).padStart(7)} ${String(row.ledgerOnHand).padStart(7)} ` +
        `${String(row.difference).padStart(7)}  ${reason ? `${reason.kind} (${reason.explains})` : '—'}`,
    );
  }
}

async function shutdown(code: number, stopWorker = true): Promise<never> {
  if (stopWorker) await worker.stop();
  for (const close of closers.reverse()) await close().catch(() => undefined);
  process.exit(code);
}
