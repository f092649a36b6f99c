/**
 * The RouteStar simulator in a process of its own, for the RouteStar bench (see sim-process.ts). Its options come as
 * JSON in BENCH_SIM_OPTIONS; it prints its address, login and the invoices a sync with the default 30-day closed
 * window reads.
 */
import { closedWindow } from '../src/scrapers/routestar/dates.js';
import { defaultRouteStarProfile } from '../src/scrapers/routestar/profile.js';
import { startRouteStarSimulator, type RouteStarSimOptions } from '../test/sim/routestar/server.js';

const sim = await startRouteStarSimulator(
  JSON.parse(process.env.BENCH_SIM_OPTIONS ?? '{}') as RouteStarSimOptions,
);
const window = closedWindow(30, defaultRouteStarProfile.formats.timeZone);
const readByTheSync = [...sim.data.pending(), ...sim.data.closedBetween(window.from, window.to)].map(
  (invoice) => invoice.number,
);
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    username: sim.username,
    password: sim.password,
    readByTheSync,
    items: sim.data.items.length,
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
