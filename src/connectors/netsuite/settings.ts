/**
 * The NetSuite client's settings read from the configuration: the account, its REST host, one of the two ways in
 * (OAuth 2.0 machine-to-machine or token-based authentication) and the account's limits; or which variables a person
 * still has to set.
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/index.js';
import { configured, notConfigured, type Configured } from '../../config/configured.js';
import type { OAuth2Credentials, TbaCredentials } from './auth.js';
import { accountHostName } from './dates.js';

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type NetSuiteCredentials =
  ({ mode: 'oauth2'; tokenUrl: string } & OAuth2Credentials) | ({ mode: 'tba' } & TbaCredentials);

export interface NetSuiteSettings {
  accountId: string;
  baseUrl: string;
  credentials: NetSuiteCredentials;
  requestsPerSecond: number;
  concurrency: number;
  retry: RetryPolicy;
}

const oauth2Variables = ['NETSUITE_CLIENT_ID', 'NETSUITE_CERTIFICATE_ID', 'NETSUITE_PRIVATE_KEY'] as const;
const tbaVariables = [
  'NETSUITE_CONSUMER_KEY',
  'NETSUITE_CONSUMER_SECRET',
  'NETSUITE_TOKEN_ID',
  'NETSUITE_TOKEN_SECRET',
] as const;

function readPrivateKey(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

function credentialsOf(config: Config, accountId: string, baseUrl: string): NetSuiteCredentials | undefined {
  if (config.NETSUITE_CLIENT_ID && config.NETSUITE_CERTIFICATE_ID && config.NETSUITE_PRIVATE_KEY)
    return {
      mode: 'oauth2',
      tokenUrl: new URL('/services/rest/auth/oauth2/v1/token', baseUrl).toString(),
      clientId: config.NETSUITE_CLIENT_ID,
      certificateId: config.NETSUITE_CERTIFICATE_ID,
      privateKey: readPrivateKey(config.NETSUITE_PRIVATE_KEY),
      algorithm: config.NETSUITE_JWT_ALGORITHM,
      scopes: config.NETSUITE_SCOPES,
    };
  if (
    config.NETSUITE_CONSUMER_KEY &&
    config.NETSUITE_CONSUMER_SECRET &&
    config.NETSUITE_TOKEN_ID &&
    config.NETSUITE_TOKEN_SECRET
  )
    return {
      mode: 'tba',
      accountId,
      consumerKey: config.NETSUITE_CONSUMER_KEY,
      consumerSecret: config.NETSUITE_CONSUMER_SECRET,
      tokenId: config.NETSUITE_TOKEN_ID,
      tokenSecret: config.NETSUITE_TOKEN_SECRET,
    };
  return undefined;
}

/** The credential variables still unset: of token-based authentication if it was begun, else of OAuth 2.0. */
function missingCredentials(config: Config): string[] {
  const unset = (names: readonly (keyof Config)[]) => names.filter((name) => !config[name]);
  const tbaBegun = unset(tbaVariables).length < tbaVariables.length;
  const oauth2Begun = unset(oauth2Variables).length < oauth2Variables.length;
  return tbaBegun && !oauth2Begun ? unset(tbaVariables) : unset(oauth2Variables);
}

export function netSuiteSettings(config: Config): Configured<NetSuiteSettings> {
  const accountId = config.NETSUITE_ACCOUNT_ID;
  if (!accountId)
    return notConfigured(
      ['NETSUITE_ACCOUNT_ID', ...missingCredentials(config)],
      'NetSuite is not configured: set NETSUITE_ACCOUNT_ID and either NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID, NETSUITE_PRIVATE_KEY (OAuth 2.0) or NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID, NETSUITE_TOKEN_SECRET (token-based authentication)',
    );
  const baseUrl =
    config.NETSUITE_BASE_URL ?? `https://${accountHostName(accountId)}.suitetalk.api.netsuite.com`;
  const credentials = credentialsOf(config, accountId, baseUrl);
  if (!credentials)
    return notConfigured(
      missingCredentials(config),
      `NetSuite account ${accountId} has no complete credentials: set NETSUITE_CLIENT_ID, NETSUITE_CERTIFICATE_ID and NETSUITE_PRIVATE_KEY (OAuth 2.0), or NETSUITE_CONSUMER_KEY, NETSUITE_CONSUMER_SECRET, NETSUITE_TOKEN_ID and NETSUITE_TOKEN_SECRET (token-based authentication)`,
    );
  return configured({
    accountId,
    baseUrl,
    credentials,
    requestsPerSecond: config.NETSUITE_REQUESTS_PER_SECOND,
    concurrency: config.NETSUITE_CONCURRENCY,
    retry: {
      maxRetries: config.NETSUITE_MAX_RETRIES,
      baseDelayMs: config.NETSUITE_RETRY_BASE_MS,
      maxDelayMs: 60_000,
    },
  });
}
