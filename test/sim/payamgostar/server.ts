/**
 * The Payamgostar CRM simulator: a real HTTP server on 127.0.0.1 serving the v2 API the sync engine in
 * ../shared/research used against real tenants — the mobile-app login with device fields and a bearer token whose
 * expiresAt has the server's +03:30 offset and seven fraction digits, 401 when a token ends, 403 after repeated bad
 * logins, 402 without the MobileApp module, 0-based paging of bare-array identity lists, person/organization
 * create/get/update (create replies naming the record crmId, id or both), sales quotes with lines, an optional rate
 * limit answering 429 with Retry-After, and outgoing GET webhooks on every insert and update. Behaviour the research
 * does not pin down is marked [I] where it is chosen.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { seededRandom } from '../seeded-random.js';
import { CrmClock } from './clock.js';
import {
  CrmRequestError,
  SimulatedCrm,
  type CrmRecord,
  type IdentityFields,
  type IdentityKind,
  type QuoteInput,
} from './crm.js';
import { ContactGenerator } from './people.js';
import { WebhookSender } from './webhooks.js';

/** Behaviour a test may change while the server runs. */
export interface PayamgostarKnobs {
  /** Life of an access token [I: not documented; one hour]. */
  tokenLifetimeMs: number;
  expiresAtFractionDigits: number;
  /** Bad logins in a row after which the user is locked out (403) [I: count not documented]. */
  lockoutAfterBadLogins: number;
  lockoutMs: number;
  /** false: every login answers 402 "MobileApp module not available". */
  mobileAppModule: boolean;
  /** How a create reply names the new record. */
  createReply: 'crmId' | 'id' | 'both';
  /** Requests accepted in any one-second window; undefined: no limit. */
  rateLimitPerSecond?: number;
  retryAfterSeconds: number;
}

export interface PayamgostarSimulatorOptions extends Partial<PayamgostarKnobs> {
  seed?: number;
  username?: string;
  password?: string;
  /** The server's UTC offset, in expiresAt and in naive record times. */
  utcOffset?: string;
  webhookUrl?: string;
  /** Default: on when webhookUrl is given. */
  webhooksEnabled?: boolean;
  /** The tenant's type names, sent as the webhook's subtype. */
  personTypeName?: string;
  organizationTypeName?: string;
  /** Records generated at start (Persian names, seeded). */
  generate?: { persons?: number; organizations?: number };
}

export interface SimRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  /** The JSON body, with the login password replaced by "***". */
  body?: unknown;
  bearer?: string;
}

export interface Salesperson {
  /** Creates a person as in the CRM's UI (generated Persian fields, overridden by `fields`); the webhook fires. */
  createPerson(fields?: IdentityFields): CrmRecord;
  createOrganization(fields?: IdentityFields): CrmRecord;
  editIdentity(id: string, fields: IdentityFields): CrmRecord;
  createQuote(input: QuoteInput): CrmRecord;
  editQuote(id: string, change: Parameters<SimulatedCrm['updateQuote']>[1]): CrmRecord;
}

export interface PayamgostarSimulator {
  url: string;
  port: number;
  username: string;
  password: string;
  knobs: PayamgostarKnobs;
  requests: SimRequest[];
  crm: SimulatedCrm;
  salesperson: Salesperson;
  webhooks: WebhookSender;
  /** Every token issued so far stops working at once (a server restart, an administrator's log-out). */
  expireTokens(): void;
  /** The next `count` API requests other than logins answer `status` (500, 503, …). */
  failNext(status: number, count?: number): void;
  /** The next `count` API requests other than logins are carried out, but answered only after `ms`. */
  slowNext(ms: number, count?: number): void;
  close(): Promise<void>;
}

const listPaths = new Set(['search', 'getIdentitiesSimple', 'getIdentities', 'getCustomers']);

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The CRM's error envelope [I: not documented; the shape a Go client of this CRM reads]. */
function failure(message: string, code = 'error'): Record<string, string> {
  return { error: code, errorMessage: message };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new CrmRequestError(400, 'The request body is not valid JSON');
  }
}

class SessionDesk {
  private readonly tokens = new Map<string, { username: string; expiresAt: number }>();
  private readonly badLogins = new Map<string, { count: number; lockedUntil: number }>();

  constructor(
    private readonly knobs: PayamgostarKnobs,
    private readonly clock: CrmClock,
    private readonly random: () => number,
    private readonly user: { username: string; password: string },
  ) {}

  login(body: unknown): { status: number; body: unknown } {
    if (!this.knobs.mobileAppModule)
      return { status: 402, body: failure('MobileApp module not available', 'PaymentRequired') };
    const b = (body ?? {}) as Record<string, unknown>;
    for (const field of ['username', 'password', 'deviceId'])
      if (typeof b[field] !== 'string' || (field === 'deviceId' && b[field] === ''))
        return { status: 400, body: failure(`${field} is required`, 'BadRequest') };
    if (typeof b.platformType !== 'number')
      return { status: 400, body: failure('platformType is required', 'BadRequest') };
    const username = b.username as string;
    const state = this.badLogins.get(username) ?? { count: 0, lockedUntil: 0 };
    const now = this.clock.now();
    if (now < state.lockedUntil)
      return { status: 403, body: failure('Too many login attempts! Try again later.', 'Forbidden') };
    if (username !== this.user.username || b.password !== this.user.password) {
      state.count += 1;
      if (state.count >= this.knobs.lockoutAfterBadLogins) {
        state.lockedUntil = now + this.knobs.lockoutMs;
        state.count = 0;
      }
      this.badLogins.set(username, state);
      return { status: 401, body: failure('Invalid username or password', 'Unauthorized') };
    }
    this.badLogins.delete(username);
    const accessToken = `eyJ${randomBytes(24).toString('base64url')}`;
    const expires = this.clock.roundTrip(
      now + this.knobs.tokenLifetimeMs,
      this.knobs.expiresAtFractionDigits,
      Math.floor(this.random() * 10_000),
    );
    this.tokens.set(accessToken, { username, expiresAt: expires.instantMs });
    return {
      status: 200,
      body: { expiresAt: expires.text, accessToken, refreshToken: randomBytes(32).toString('base64url') },
    };
  }

  /** Whether a bearer token is one we issued and still good. */
  valid(token: string | undefined): boolean {
    const entry = token === undefined ? undefined : this.tokens.get(token);
    return entry !== undefined && this.clock.now() < entry.expiresAt;
  }

  expireAll(): void {
    this.tokens.clear();
  }
}

/** A sliding one-second window: at most `limit` requests in any 1000 ms. */
class RateWindow {
  private readonly starts: number[] = [];

  admit(limit: number | undefined, now: number): boolean {
    if (limit === undefined) return true;
    while (this.starts.length > 0 && this.starts[0]! <= now - 1000) this.starts.shift();
    if (this.starts.length >= limit) return false;
    this.starts.push(now);
    return true;
  }
}

function route(
  crm: SimulatedCrm,
  knobs: PayamgostarKnobs,
  path: string,
  body: unknown,
): { status: number; body: unknown } {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const parts = path.split('/').filter(Boolean);
  if (parts.length < 4 || parts[0] !== 'api' || parts[1] !== 'v2' || parts[2] !== 'crmobject')
    return { status: 404, body: failure(`No API at ${path}`, 'NotFound') };
  const [, , , object, action, extra] = parts;
  if (object === 'identity' && action && listPaths.has(action) && !extra) return list(crm, action, b);
  if (object === 'quote' && action === 'sales' && extra === 'get') {
    const quote = typeof b.id === 'string' ? crm.quote(b.id) : undefined;
    return quote
      ? { status: 200, body: quote }
      : { status: 404, body: failure('Record not found', 'NotFound') };
  }
  if ((object === 'person' || object === 'organization') && !extra) {
    const kind: IdentityKind = object;
    if (action === 'create') {
      const record = crm.createIdentity(kind, b);
      const id = record.crmId as string;
      const reply =
        knobs.createReply === 'crmId'
          ? { crmId: id }
          : knobs.createReply === 'id'
            ? { id }
            : { crmId: id, id };
      return { status: 200, body: reply };
    }
    if (typeof b.id !== 'string' || b.id === '')
      return { status: 400, body: failure('id is required', 'BadRequest') };
    if (action === 'get') {
      const found = crm.identity(b.id);
      if (!found || found.kind !== kind)
        return { status: 404, body: failure('Record not found', 'NotFound') };
      return { status: 200, body: found.record };
    }
    if (action === 'update') {
      const fields = { ...b };
      delete fields.id;
      const record = crm.updateIdentity(b.id, fields, kind);
      return { status: 200, body: { crmId: record.crmId } };
    }
  }
  return { status: 404, body: failure(`No API at ${path}`, 'NotFound') };
}

function list(
  crm: SimulatedCrm,
  action: string,
  b: Record<string, unknown>,
): { status: number; body: unknown } {
  const pageNumber = b.pageNumber ?? 0;
  // [I] A request without pageSize gets a short page, as list APIs commonly do.
  const pageSize = b.pageSize ?? 10;
  if (!Number.isInteger(pageNumber) || (pageNumber as number) < 0)
    return { status: 400, body: failure('pageNumber must be a whole number from 0', 'BadRequest') };
  if (!Number.isInteger(pageSize) || (pageSize as number) < 1)
    return { status: 400, body: failure('pageSize must be a whole number from 1', 'BadRequest') };
  const type = b.identityType;
  if (type !== undefined && type !== null && type !== 0 && type !== 1 && type !== 2)
    return {
      status: 400,
      body: failure('identityType must be 1 (person) or 2 (organization)', 'BadRequest'),
    };
  const rows = crm.listIdentities({
    kind: type === 1 ? 'person' : type === 2 ? 'organization' : undefined,
    searchTerm: typeof b.searchTerm === 'string' ? b.searchTerm : undefined,
    // [I] "Returns only customers": identities with a customer number.
    customersOnly: action === 'getCustomers',
  });
  const start = (pageNumber as number) * (pageSize as number);
  const page = rows.slice(start, start + (pageSize as number)).map((r) => ({
    identityId: r.crmId,
    nickName: r.nickName ?? '',
    customerNo: r.customerNumber ?? '',
  }));
  return { status: 200, body: page };
}

interface HandlerState {
  crm: SimulatedCrm;
  knobs: PayamgostarKnobs;
  desk: SessionDesk;
  window: RateWindow;
  failures: number[];
  delays: number[];
  requests: SimRequest[];
}

/** One request: logged, rate-limited, authenticated, then routed. */
function requestHandler(state: HandlerState): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { crm, knobs, desk, window, failures, delays, requests } = state;
  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const entry: SimRequest = { at: Date.now(), method: req.method ?? 'GET', path, status: 0, bearer };
    requests.push(entry);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      send(res, status, body, headers);
    };
    try {
      const body = await readJson(req);
      entry.body =
        path === '/api/v2/auth/login' && body && typeof body === 'object'
          ? { ...body, password: '***' }
          : body;
      if (!window.admit(knobs.rateLimitPerSecond, Date.now()))
        return reply(429, failure('Too many requests', 'TooManyRequests'), {
          'retry-after': String(knobs.retryAfterSeconds),
        });
      if (req.method !== 'POST')
        return reply(405, failure('Method not allowed', 'MethodNotAllowed'), { allow: 'POST' });
      if (path === '/api/v2/auth/login') {
        const login = desk.login(body);
        return reply(login.status, login.body);
      }
      if (!desk.valid(bearer))
        return reply(401, failure('Unauthorized', 'Unauthorized'), {
          'www-authenticate': 'Bearer error="invalid_token", error_description="The token expired"',
        });
      const failWith = failures.shift();
      if (failWith !== undefined) return reply(failWith, failure('Internal server error', 'ServerError'));
      const answer = route(crm, knobs, path, body);
      const delay = delays.shift();
      if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
      reply(answer.status, answer.body);
    } catch (error) {
      if (error instanceof CrmRequestError) return reply(error.status, failure(error.message, 'BadRequest'));
      reply(500, failure(String((error as Error).message ?? error), 'ServerError'));
    }
  };
}

export async function startPayamgostarSimulator(
  options: PayamgostarSimulatorOptions = {},
): Promise<PayamgostarSimulator> {
  const random = seededRandom(options.seed ?? 1);
  const knobs: PayamgostarKnobs = {
    tokenLifetimeMs: options.tokenLifetimeMs ?? 3_600_000,
    expiresAtFractionDigits: options.expiresAtFractionDigits ?? 7,
    lockoutAfterBadLogins: options.lockoutAfterBadLogins ?? 5,
    lockoutMs: options.lockoutMs ?? 15 * 60_000,
    mobileAppModule: options.mobileAppModule ?? true,
    createReply: options.createReply ?? 'both',
    rateLimitPerSecond: options.rateLimitPerSecond,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
  };
  const user = { username: options.username ?? 'webservice', password: options.password ?? 'sim-password' };
  const clock = new CrmClock(options.utcOffset ?? '+03:30');
  // Off while the records a tenant already had are generated; on (when asked for) from then on.
  const webhooks = new WebhookSender({ enabled: false, url: options.webhookUrl });
  const personTypeName = options.personTypeName ?? 'مخاطب حقیقی';
  const organizationTypeName = options.organizationTypeName ?? 'مخاطب حقوقی';
  const crm = new SimulatedCrm(
    random,
    clock,
    { person: personTypeName, organization: organizationTypeName, quote: (n) => `پیش فاکتور فروش ${n}` },
    (change) => webhooks.send(change),
    '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  );
  const generator = new ContactGenerator(random);
  for (let i = 0; i < (options.generate?.persons ?? 0); i++) crm.createIdentity('person', generator.person());
  for (let i = 0; i < (options.generate?.organizations ?? 0); i++)
    crm.createIdentity('organization', generator.organization());
  webhooks.settings.enabled = options.webhooksEnabled ?? options.webhookUrl !== undefined;
  const desk = new SessionDesk(knobs, clock, random, user);
  const window = new RateWindow();
  const failures: number[] = [];
  const delays: number[] = [];
  const requests: SimRequest[] = [];

  const handle = requestHandler({ crm, knobs, desk, window, failures, delays, requests });

  const server: Server = createServer((req, res) => void handle(req, res));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    ...user,
    knobs,
    requests,
    crm,
    webhooks,
    salesperson: {
      createPerson: (fields = {}) => crm.createIdentity('person', { ...generator.person(), ...fields }),
      createOrganization: (fields = {}) =>
        crm.createIdentity('organization', { ...generator.organization(), ...fields }),
      editIdentity: (id, fields) => crm.updateIdentity(id, fields),
      createQuote: (input) => crm.createQuote(input),
      editQuote: (id, change) => crm.updateQuote(id, change),
    },
    expireTokens: () => desk.expireAll(),
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    slowNext: (ms, count = 1) => {
      for (let i = 0; i < count; i++) delays.push(ms);
    },
    async close() {
      await webhooks.idle();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
