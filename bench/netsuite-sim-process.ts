/**
 * The NetSuite simulator in a process of its own, for the records bench: the sync's memory is measured without the
 * simulated account's 200,000 lines beside it. Prints one JSON line (url, account id, rows) when ready; ends when
 * its parent closes stdin.
 */
import { startNetSuiteSim } from '../test/sim/netsuite/server.js';

const tba = JSON.parse(process.env.BENCH_SIM_TBA ?? '{}') as {
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
};
const sim = await startNetSuiteSim({
  itemCount: 1,
  seed: 2026,
  tba,
  records: { invoiceLines: Number(process.env.BENCH_SIM_LINES), creditMemoShare: 0.02 },
});
const rows = (type: 'CustInvc' | 'CustCred') =>
  sim.records.transactions.filter((t) => t.type === type).reduce((n, t) => n + t.lines.length - 1, 0);
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    accountId: sim.accountId,
    customers: sim.records.customers.length,
    invoiceLines: rows('CustInvc'),
    creditLines: rows('CustCred'),
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
