/**
 * The two ways a NetSuite admin can let us in: OAuth 2.0 machine-to-machine (a JWT assertion signed with the
 * certificate's private key, exchanged for a 60-minute bearer token with no refresh token: the grant is repeated
 * before the token ends, and once more when NetSuite refuses it) and Token-Based Authentication (OAuth 1.0a,
 * HMAC-SHA256, a fresh nonce and timestamp on every request including retries, so nothing can go stale).
 */
import { createHmac, createPrivateKey, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { NetSuiteAuthError, NetSuiteNetworkError } from './errors.js';
import { tokenResponseSchema } from './schemas.js';

export interface NetSuiteAuth {
  readonly mode: 'oauth2' | 'tba';
  /** The Authorization header for one request. */
  authorize(method: string, url: URL): Promise<string>;
  /**
   * Called after a 401: forget what is cached so the next authorize() starts afresh. Given the refused Authorization
   * header, a token renewed since that request was signed is kept: concurrent requests refused with the old token
   * must not throw away the new one.
   */
  invalidate(refused?: string): void;
}

export interface OAuth2Credentials {
  clientId: string;
  certificateId: string;
  privateKey: string | KeyObject;
  algorithm: 'PS256' | 'ES256';
  scopes: string;
}

export interface TbaCredentials {
  accountId: string;
  consumerKey: string;
  consumerSecret: string;
  tokenId: string;
  tokenSecret: string;
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Renew this long before the token's end, so a request signed at 59:59 does not arrive at 60:01: five minutes of a
 * 60-minute token, and a quarter of a shorter one.
 */
function renewalMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60 * 1000, lifetimeMs / 4);
}

export class OAuth2ClientCredentialsAuth implements NetSuiteAuth {
  readonly mode = 'oauth2' as const;
  private readonly key: KeyObject;
  private token?: { value: string; renewAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credentials: OAuth2Credentials,
    private readonly tokenUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key =
      typeof credentials.privateKey === 'string'
        ? createPrivateKey(credentials.privateKey)
        : credentials.privateKey;
  }

  clientAssertion(): string {
    const iat = Math.floor(this.now() / 1000);
    const header = { typ: 'JWT', alg: this.credentials.algorithm, kid: this.credentials.certificateId };
    const claims = {
      iss: this.credentials.clientId,
      scope: this.credentials.scopes.split(/[ ,]+/).filter(Boolean),
      aud: this.tokenUrl,
      iat,
      exp: iat + 3000,
      jti: randomUUID(),
    };
    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const signingInput = `${encode(header)}.${encode(claims)}`;
    const signature =
      this.credentials.algorithm === 'PS256'
        ? sign('sha256', Buffer.from(signingInput), {
            key: this.key,
            padding: 6 /* RSA_PKCS1_PSS_PADDING */,
            saltLength: 32,
          })
        : sign('sha256', Buffer.from(signingInput), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  async authorize(): Promise<string> {
    if (this.token && this.token.renewAt > this.now()) return `Bearer ${this.token.value}`;
    // Concurrent requests share one token request instead of each asking for its own.
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return `Bearer ${await this.pending}`;
  }

  invalidate(refused?: string): void {
    if (refused === undefined || refused === `Bearer ${this.token?.value}`) this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: this.clientAssertion(),
    });
    let response: Response;
    try {
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
    } catch (error) {
      throw new NetSuiteNetworkError('the OAuth 2.0 token request', error);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new NetSuiteAuthError(
        response.status,
        'TOKEN_REFUSED',
        `the token endpoint refused the client assertion (${text.slice(0, 200)}); check NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID and that NETSUITE_PRIVATE_KEY belongs to that certificate`,
        'the OAuth 2.0 token request',
      );
    }
    const token = tokenResponseSchema.parse(JSON.parse(text));
    const lifetimeMs = token.expires_in * 1000;
    this.token = {
      value: token.access_token,
      renewAt: this.now() + lifetimeMs - renewalMarginMs(lifetimeMs),
    };
    return token.access_token;
  }
}

export class TokenBasedAuth implements NetSuiteAuth {
  readonly mode = 'tba' as const;

  constructor(
    private readonly credentials: TbaCredentials,
    private readonly now: () => number = Date.now,
  ) {}

  async authorize(method: string, url: URL): Promise<string> {
    const c = this.credentials;
    const oauth: Record<string, string> = {
      oauth_consumer_key: c.consumerKey,
      oauth_token: c.tokenId,
      oauth_signature_method: 'HMAC-SHA256',
      oauth_timestamp: String(Math.floor(this.now() / 1000)),
      oauth_nonce: randomBytes(16).toString('hex'),
      oauth_version: '1.0',
    };
    const params: [string, string][] = [...Object.entries(oauth), ...url.searchParams];
    const normalized = params
      .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
      .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const baseUrl = `${url.protocol}//${url.host}`.toLowerCase() + url.pathname;
    const base = [method.toUpperCase(), rfc3986(baseUrl), rfc3986(normalized)].join('&');
    const signature = createHmac('sha256', `${rfc3986(c.consumerSecret)}&${rfc3986(c.tokenSecret)}`)
      .update(base)
      .digest('base64');
    // realm keeps the account id as NetSuite shows it (1234567_SB1), unlike the host name.
    const fields = { realm: c.accountId, ...oauth, oauth_signature: signature };
    return `OAuth ${Object.entries(fields)
      .map(([k, v]) => `${k}="${rfc3986(v)}"`)
      .join(', ')}`;
  }

  invalidate(): void {
    // Nothing is cached: every request, a retry after a 401 included, is signed afresh.
  }
}
