/** Bearer API keys for /api and /dash, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpProblem } from './problem.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Hashing first gives equal-length buffers, so neither the key nor its length leaks through timing. */
export function keyMatches(candidate: string, keys: readonly string[]): boolean {
  const candidateDigest = digest(candidate);
  let match = false;
  for (const key of keys) match = timingSafeEqual(candidateDigest, digest(key)) || match;
  return match;
}

/**
 * The key from "Authorization: Bearer <key>", or the password of HTTP Basic auth: a browser cannot add a bearer header
 * to the dashboard's pages or to an EventSource, but it asks for and then sends Basic credentials by itself.
 */
function presentedKey(header: string): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (keys.length === 0) return next();
    const key = presentedKey(req.get('authorization') ?? '');
    if (key !== null && keyMatches(key, keys)) return next();
    // One challenge per header line: Chromium reads only the first scheme of a line, so a Basic challenge after a
    // Bearer one on the same line never shows its login prompt. Basic first for the same reason.
    res.setHeader('WWW-Authenticate', [
      'Basic realm="syncworker", charset="UTF-8"',
      'Bearer realm="syncworker"',
    ]);
    next(
      new HttpProblem(
        401,
        'Unauthorized',
        key === null
          ? 'Send an API key as "Authorization: Bearer <key>", or as the password of HTTP Basic auth (any user name), as a browser does (see API_KEYS)'
          : 'The API key is not valid',
      ),
    );
  };
}
