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

export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (keys.length === 0) return next();
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) {
      return next(
        new HttpProblem(
          401,
          'Unauthorized',
          'Send an API key as "Authorization: Bearer <key>" (see API_KEYS)',
        ),
      );
    }
    if (!keyMatches(match[1]!.trim(), keys))
      return next(new HttpProblem(401, 'Unauthorized', 'The API key is not valid'));
    next();
  };
}
