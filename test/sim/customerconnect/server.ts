/**
 * A CustomerConnect portal on a real socket, for tests, demos and benchmarks: OpenCart 1.5 login with a session cookie
 * that expires and redirects to the login page, the order list and order info pages, and the faults the real site
 * shows (slow pages, 500s, a changed layout). Everything is deterministic from the seed.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../seeded-random.js';
import { generateOrders, newOrder, roundCents, type SimOrder } from './orders.js';
import {
  accountPage,
  loginPage,
  orderInfoPage,
  orderListPage,
  orderNotFoundPage,
  ordersPerPage,
  type MarkupVariant,
  type SimDateFormat,
} from './pages.js';

export const simRoutes = ['login', 'account', 'order-list', 'order-info'] as const;
export type SimRoute = (typeof simRoutes)[number];

export interface CustomerConnectSimOptions {
  seed?: number;
  /** Orders generated at start; default 35 (4 list pages). */
  orders?: number;
  newestOrderId?: number;
  /** Date of the newest order, YYYY-MM-DD. */
  newestDate?: string;
  /** One order each with an unknown status, a line without Model and an unreadable list total; default true. */
  oddRows?: boolean;
  email?: string;
  password?: string;
  /** A login session lasts this long, then every page redirects to the login form; default 30 minutes. */
  sessionLifetimeMs?: number;
  /** Delay before answering, per route, in ms. */
  delays?: Partial<Record<SimRoute, number>>;
  markup?: MarkupVariant;
  /** How the portal prints dates (the store's locale); default MM/DD/YYYY. */
  dateFormat?: SimDateFormat;
}

export interface SimStats {
  requests: Record<SimRoute, number>;
  logins: number;
  failedLogins: number;
  /** Pages answered with a redirect to the login form because the session had expired or was missing. */
  loginRedirects: number;
  served500: number;
  /** Most page requests in progress at the same moment: shows whether the scraper kept to its concurrency. */
  maxConcurrent: number;
}

export interface CustomerConnectSimulator {
  url: string;
  email: string;
  password: string;
  close(): Promise<void>;
  /** The account's orders, newest first, as the portal currently shows them. */
  orders(): readonly SimOrder[];
  order(orderId: number): SimOrder;
  setStatus(orderId: number, status: string): void;
  setLineQuantity(orderId: number, lineIndex: number, quantity: number): void;
  cancel(orderId: number): void;
  /** Adds orders at the top of the list, newest first; returns their IDs. */
  addOrders(count: number, isoDate?: string): number[];
  expireSessions(): void;
  /** Ends every session once this many more pages have been requested: an expiry in the middle of a run. */
  expireSessionsAfter(requests: number): void;
  setSessionLifetime(ms: number): void;
  setDelay(route: SimRoute, ms: number): void;
  /** The next request of the route waits this long before answering (one slow page among fast ones). */
  slowNext(route: SimRoute, ms: number): void;
  /** The next `times` requests of the route answer 500. */
  failNext(route: SimRoute, times?: number): void;
  /** Each request of the route answers 500 with this probability (seeded, so runs repeat). */
  setFailureRate(route: SimRoute, rate: number): void;
  setMarkup(variant: MarkupVariant): void;
  setDateFormat(format: SimDateFormat): void;
  stats(): SimStats;
  resetStats(): void;
}

interface Session {
  loggedIn: boolean;
  expiresAt: number;
  redirect?: string;
}

const sessionCookie = 'PHPSESSID';

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

/** Text fields of a multipart/form-data or urlencoded body: the 1.5 login form posts multipart. */
function parseForm(body: string, contentType: string | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (contentType?.startsWith('multipart/form-data') && boundary) {
    const marker = `--${boundary[1] ?? boundary[2]}`;
    for (const part of body.split(marker)) {
      const headerEnd = part.indexOf('\r\n\r\n');
      if (headerEnd < 0) continue;
      const name = /name="([^"]*)"/.exec(part.slice(0, headerEnd));
      if (name) fields.set(name[1]!, part.slice(headerEnd + 4).replace(/\r\n$/, ''));
    }
    return fields;
  }
  for (const [k, v] of new URLSearchParams(body)) fields.set(k, v);
  return fields;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const transparentGif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export async function startCustomerConnectSimulator(
  options: CustomerConnectSimOptions = {},
): Promise<CustomerConnectSimulator> {
  const email = options.email ?? 'buyer@example.com';
  const password = options.password ?? 'sim-password';
  const generated = generateOrders({
    seed: options.seed ?? 1,
    orders: options.orders ?? 35,
    newestOrderId: options.newestOrderId ?? 75938,
    newestDate: options.newestDate ?? '2026-02-02',
    oddRows: options.oddRows ?? true,
  });
  const orders = generated.orders;
  const dataRandom = generated.random;
  const faultRandom = seededRandom((options.seed ?? 1) ^ 0x5eed);
  let sessionLifetimeMs = options.sessionLifetimeMs ?? 30 * 60 * 1000;
  let markup: MarkupVariant = options.markup ?? 'standard';
  let dateFormat: SimDateFormat = options.dateFormat ?? 'MM/DD/YYYY';
  const delays: Partial<Record<SimRoute, number>> = { ...options.delays };
  const failNext: Partial<Record<SimRoute, number>> = {};
  const failureRate: Partial<Record<SimRoute, number>> = {};
  const slowOnce: Partial<Record<SimRoute, number>> = {};
  let expiryCountdown: number | undefined;
  const sessions = new Map<string, Session>();
  const timers = new Set<NodeJS.Timeout>();
  const emptyStats = (): SimStats => ({
    requests: { login: 0, account: 0, 'order-list': 0, 'order-info': 0 },
    logins: 0,
    failedLogins: 0,
    loginRedirects: 0,
    served500: 0,
    maxConcurrent: 0,
  });
  let stats = emptyStats();
  let inProgress = 0;
  let base = '';

  const byId = (orderId: number): SimOrder => {
    const order = orders.find((o) => o.orderId === orderId);
    if (!order) throw new Error(`The simulator has no order ${orderId}`);
    return order;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function sessionOf(req: IncomingMessage, res: ServerResponse): Session {
    const id = parseCookies(req.headers.cookie).get(sessionCookie);
    const existing = id ? sessions.get(id) : undefined;
    if (existing && existing.expiresAt > Date.now()) return existing;
    if (id) sessions.delete(id);
    const fresh: Session = { loggedIn: false, expiresAt: Date.now() + sessionLifetimeMs };
    const newId = randomBytes(16).toString('hex');
    sessions.set(newId, fresh);
    res.setHeader('Set-Cookie', `${sessionCookie}=${newId}; path=/; HttpOnly`);
    return fresh;
  }

  function send(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  }

  function redirect(res: ServerResponse, location: string): void {
    res.writeHead(302, { Location: location });
    res.end();
  }

  function routeKey(route: string): SimRoute | undefined {
    if (route === 'account/login') return 'login';
    if (route === 'account/account') return 'account';
    if (route === 'account/order') return 'order-list';
    if (route === 'account/order/info') return 'order-info';
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname.startsWith('/catalog/')) {
      const isImage = /\.(png|gif|jpg)$/.test(url.pathname);
      res.writeHead(200, {
        'Content-Type': isImage ? 'image/gif' : 'text/css',
        'Cache-Control': 'max-age=3600',
      });
      res.end(isImage ? transparentGif : '');
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.php') {
      const route = url.searchParams.get('route') ?? 'common/home';
      const key = routeKey(route);
      if (key) {
        stats.requests[key]++;
        if (expiryCountdown !== undefined && --expiryCountdown < 0) {
          expiryCountdown = undefined;
          for (const session of sessions.values()) session.expiresAt = 0;
        }
        inProgress++;
        stats.maxConcurrent = Math.max(stats.maxConcurrent, inProgress);
        try {
          const delay = slowOnce[key] ?? delays[key] ?? 0;
          delete slowOnce[key];
          if (delay > 0) await sleep(delay);
          if ((failNext[key] ?? 0) > 0 || faultRandom() < (failureRate[key] ?? 0)) {
            if ((failNext[key] ?? 0) > 0) failNext[key]!--;
            stats.served500++;
            send(
              res,
              500,
              '<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>',
            );
            return;
          }
          await page(key, req, res, url);
        } finally {
          inProgress--;
        }
        return;
      }
      if (route === 'account/logout') {
        const session = sessionOf(req, res);
        session.loggedIn = false;
        send(res, 200, loginPage(base));
        return;
      }
      if (route === 'common/home') {
        redirect(res, `${base}/index.php?route=account/login&SSL`);
        return;
      }
    }
    send(res, 404, '<html><body><h1>Not Found</h1></body></html>');
  }

  async function page(key: SimRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const session = sessionOf(req, res);
    if (key === 'login') {
      if (req.method === 'POST') {
        const form = parseForm(await readBody(req), req.headers['content-type']);
        if (form.get('email') === email && form.get('password') === password) {
          stats.logins++;
          session.loggedIn = true;
          session.expiresAt = Date.now() + sessionLifetimeMs;
          const target = session.redirect ?? `${base}/index.php?route=account/account`;
          delete session.redirect;
          redirect(res, target);
          return;
        }
        stats.failedLogins++;
        send(res, 200, loginPage(base, 'Warning: No match for E-Mail Address and/or Password.'));
        return;
      }
      if (session.loggedIn) {
        redirect(res, `${base}/index.php?route=account/account`);
        return;
      }
      send(res, 200, loginPage(base));
      return;
    }
    if (!session.loggedIn) {
      stats.loginRedirects++;
      // OpenCart remembers where the customer was going and returns there after the login.
      session.redirect = url.toString();
      redirect(res, `${base}/index.php?route=account/login&SSL`);
      return;
    }
    if (key === 'account') {
      send(res, 200, accountPage(base));
      return;
    }
    if (key === 'order-list') {
      const pages = Math.max(1, Math.ceil(orders.length / ordersPerPage));
      const requested = Number.parseInt(url.searchParams.get('page') ?? '1', 10);
      const pageNo = Number.isFinite(requested) ? Math.min(Math.max(1, requested), pages) : 1;
      send(res, 200, orderListPage(base, orders, pageNo, markup, dateFormat));
      return;
    }
    const orderId = Number.parseInt(url.searchParams.get('order_id') ?? '', 10);
    const order = orders.find((o) => o.orderId === orderId);
    send(res, 200, order ? orderInfoPage(base, order, markup, dateFormat) : orderNotFoundPage(base));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `<pre>${String(error)}</pre>`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const today = (): string => {
    const newest = orders[0];
    if (!newest) return options.newestDate ?? '2026-02-02';
    const [m, d, y] = newest.dateAdded.split('/');
    return `${y}-${m}-${d}`;
  };

  return {
    url: base,
    email,
    password,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    orders: () => orders,
    order: byId,
    setStatus(orderId, status) {
      const order = byId(orderId);
      order.status = status;
      order.history.push({ date: order.dateAdded, status, comment: '' });
    },
    setLineQuantity(orderId, lineIndex, quantity) {
      const product = byId(orderId).products[lineIndex];
      if (!product) throw new Error(`Order ${orderId} has no line ${lineIndex}`);
      product.quantity = roundCents(quantity);
    },
    cancel(orderId) {
      const order = byId(orderId);
      order.status = 'Canceled';
      order.history.push({ date: order.dateAdded, status: 'Canceled', comment: 'Canceled by vendor.' });
    },
    addOrders(count, isoDate) {
      const date = isoDate ?? today();
      const added: SimOrder[] = [];
      let nextId = (orders[0]?.orderId ?? options.newestOrderId ?? 75938) + 1;
      for (let i = 0; i < count; i++) added.unshift(newOrder(dataRandom, nextId++, date));
      orders.unshift(...added);
      return added.map((o) => o.orderId);
    },
    expireSessions() {
      for (const session of sessions.values()) session.expiresAt = 0;
    },
    expireSessionsAfter(requests) {
      expiryCountdown = requests;
    },
    setSessionLifetime(ms) {
      sessionLifetimeMs = ms;
    },
    setDelay(route, ms) {
      delays[route] = ms;
    },
    slowNext(route, ms) {
      slowOnce[route] = ms;
    },
    failNext(route, times = 1) {
      failNext[route] = (failNext[route] ?? 0) + times;
    },
    setFailureRate(route, rate) {
      failureRate[route] = rate;
    },
    setMarkup(variant) {
      markup = variant;
    },
    setDateFormat(format) {
      dateFormat = format;
    },
    stats: () => structuredClone(stats),
    resetStats() {
      stats = emptyStats();
    },
  };
}
