/**
 * The one validation boundary every request passes before any route or webhook: path segments, query values and
 * JSON bodies that PostgreSQL could not store, or that no route could mean, are refused with a 400 naming the field,
 * so a NUL byte or a 1,000-level nesting never reaches SQL as a 500.
 */
import type { RequestHandler } from 'express';
import { unstorableReason } from '../storable-text.js';
import { HttpProblem, type FieldError } from './problem.js';

/** Deeper than any body a route accepts; walking or validating a much deeper one only costs stack and time. */
const maxBodyDepth = 32;

export function inputGuard(): RequestHandler {
  return (req, _res, next) => {
    const errors = [
      ...pathErrors(req.path),
      ...valueErrors(req.query, 'query'),
      ...valueErrors(req.body, 'body'),
    ];
    if (errors.length === 0) return next();
    next(new HttpProblem(400, 'Bad Request', 'The request holds values that cannot be accepted', { errors }));
  };
}

function pathErrors(path: string): FieldError[] {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return [{ field: 'path', message: `"${segment.slice(0, 60)}" is not valid percent-encoded UTF-8` }];
      }
      const reason = unstorableReason(decoded);
      return reason ? [{ field: 'path', message: `a path segment ${reason}` }] : [];
    });
}

/** Walks a parsed query or body without recursion, so its depth is checked before anything else reads it. */
function valueErrors(root: unknown, where: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: { value: unknown; field: string; depth: number }[] = [{ value: root, field: where, depth: 0 }];
  while (stack.length > 0 && errors.length < 20) {
    const { value, field, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unstorableReason(value);
      if (reason) errors.push({ field, message: `the value ${reason}` });
    } else if (value !== null && typeof value === 'object') {
      if (depth >= maxBodyDepth) {
        errors.push({ field, message: `nested deeper than ${maxBodyDepth} levels` });
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        const keyReason = unstorableReason(key);
        if (keyReason) errors.push({ field, message: `a key ${keyReason}` });
        stack.push({ value: child, field: `${field}.${key}`, depth: depth + 1 });
      }
    }
  }
  return errors;
}
