/** RFC 9457 problem details: the one error shape of the control API. */
import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: 'about:blank',
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...this.extra,
    };
  }
}

export const notFound = (what: string) => new HttpProblem(404, 'Not Found', `${what} does not exist`);

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}

/** Parses request input with a zod schema; bad input becomes a 400 naming every field that is wrong. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where = 'request'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpProblem(400, 'Bad Request', `The ${where} is not valid`, {
    errors: fieldErrors(result.error),
  });
}
