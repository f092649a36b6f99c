/**
 * The CRM session: one login (`POST /api/v2/auth/login` with the device fields of the CRM's mobile-app API) shared by
 * every request, renewed before its `expiresAt`, and given up at once when the CRM refuses the user.
 *
 * Renewal is a fresh login. The login also returns a refresh token, which is kept, but no source on this CRM (the
 * sync engine in ../shared/research, the vendor's own .NET client, a Go client) shows an endpoint that accepts it, and
 * inventing one would fail against a real tenant; a login is what every one of them does when the token runs out.
 *
 * A refused login (401 wrong credentials, 403 too many login attempts, 402 no MobileApp module) is remembered for a
 * cool-down: until it ends every caller gets the same error without the CRM being asked again, so a burst of webhooks
 * cannot turn one wrong password into a lock-out, or prolong one.
 */
import { PayamgostarError } from './errors.js';
import { parseOffsetTimestamp } from './dates.js';
import { loginReplySchema } from './schemas.js';

export const loginPath = '/api/v2/auth/login';

export interface LoginRequest {
  username: string;
  password: string;
  deviceId: string;
  /** 1: the platform the sync engine that ran against real tenants sent. */
  platformType: number;
  os: string;
  osVersion: string;
  /** A push-notification token in the mobile app; empty for a server. */
  token: string;
}

export interface CrmToken {
  accessToken: string;
  refreshToken?: string;
  /** As the CRM wrote it, for messages. */
  expiresAtText: string;
  /** Milliseconds since 1970 UTC. */
  expiresAt: number;
  obtainedAt: number;
}

export interface SessionSettings {
  username: string;
  password: string;
  deviceId: string;
  loginCooldownMs: number;
}

/** Renew this long before the end of a token's life: a tenth of it, at most a minute. */
export function renewalMarginMs(token: CrmToken): number {
  return Math.min(60_000, Math.max(0, (token.expiresAt - token.obtainedAt) / 10));
}

export class CrmSession {
  private current?: CrmToken;
  private pending?: Promise<CrmToken>;
  private refused?: { error: PayamgostarError; until: number };

  /**
   * @param sendLogin sends one login request (through the client's resilience policy) and returns the parsed reply
   *   body, or throws a PayamgostarError for a refusal.
   */
  constructor(
    private readonly settings: SessionSettings,
    private readonly sendLogin: (request: LoginRequest, signal?: AbortSignal) => Promise<unknown>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token in use, if any: for the connection check's message. */
  get token(): CrmToken | undefined {
    return this.current;
  }

  /** A token good for a while yet: the current one, or a new login when it is near its end. */
  async accessToken(signal?: AbortSignal): Promise<string> {
    const token = this.current;
    if (token && this.now() < token.expiresAt - renewalMarginMs(token)) return token.accessToken;
    return (await this.login(signal)).accessToken;
  }

  /**
   * After a 401: forgets `rejected` (unless a newer token already replaced it) and logs in again. Concurrent requests
   * refused with the same token share one login.
   */
  async renewAfterRejection(rejected: string | undefined, signal?: AbortSignal): Promise<void> {
    if (this.current && (this.current.accessToken === rejected || this.usableAccessToken() === undefined))
      this.current = undefined;
    if (!this.current) await this.login(signal);
  }

  /** The current token while it has not expired, without logging in: what a request about to be sent uses. */
  usableAccessToken(): string | undefined {
    const token = this.current;
    return token && this.now() < token.expiresAt ? token.accessToken : undefined;
  }

  /** Logs in now (shared with a login already under way). */
  login(signal?: AbortSignal): Promise<CrmToken> {
    this.pending ??= this.loginOnce(signal).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async loginOnce(signal?: AbortSignal): Promise<CrmToken> {
    if (this.refused) {
      if (this.now() < this.refused.until) throw this.refused.error;
      this.refused = undefined;
    }
    const request: LoginRequest = {
      username: this.settings.username,
      password: this.settings.password,
      deviceId: this.settings.deviceId,
      platformType: 1,
      os: 'Linux',
      osVersion: '1.0',
      token: '',
    };
    let body: unknown;
    try {
      body = await this.sendLogin(request, signal);
    } catch (error) {
      if (error instanceof PayamgostarError && error.loginRefused) {
        const until = this.now() + this.settings.loginCooldownMs;
        const latched = new PayamgostarError({
          kind: error.kind,
          request: error.request,
          status: error.status,
          remoteMessage: error.remoteMessage,
          loginAllowedAt: new Date(until),
          cause: error,
        });
        this.refused = { error: latched, until };
        this.current = undefined;
        throw latched;
      }
      throw error;
    }
    const what = `POST ${loginPath}`;
    const reply = loginReplySchema.safeParse(body);
    if (!reply.success)
      throw new PayamgostarError({
        kind: 'bad-response',
        request: what,
        remoteMessage: `the login reply lacks ${reply.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      });
    const expiresAt = parseOffsetTimestamp(reply.data.expiresAt);
    if (expiresAt === undefined)
      throw new PayamgostarError({
        kind: 'bad-response',
        request: what,
        remoteMessage: `expiresAt "${reply.data.expiresAt}" is not a time with an offset`,
      });
    // A token that is over on arrival would make every request log in again: a clock problem a person must fix.
    if (expiresAt <= this.now())
      throw new PayamgostarError({
        kind: 'bad-response',
        request: what,
        remoteMessage: `the new token expires at ${reply.data.expiresAt}, which is already past by this machine's clock (${new Date(this.now()).toISOString()}); check the clocks of the CRM server and of this machine`,
      });
    const token: CrmToken = {
      accessToken: reply.data.accessToken,
      refreshToken: reply.data.refreshToken,
      expiresAtText: reply.data.expiresAt,
      expiresAt,
      obtainedAt: this.now(),
    };
    this.current = token;
    return token;
  }
}
