/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. Routes describe themselves
 * with `documentRoute` where they are defined, so the document cannot drift from what the server accepts.
 */
import { z } from 'zod';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path under the server root, e.g. /api/runs/:id */
  path: string;
  summary: string;
  tags?: string[];
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status → description (and schema when the body is described by zod). */
  responses: Record<string, { description: string; schema?: z.ZodType }>;
  /** False for routes that authenticate otherwise (webhooks) or not at all (health). */
  apiKey?: boolean;
}

const routes: RouteDoc[] = [];

export function documentRoute(doc: RouteDoc): void {
  const existing = routes.findIndex((r) => r.method === doc.method && r.path === doc.path);
  if (existing >= 0) routes[existing] = doc;
  else routes.push(doc);
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
  required: ['title', 'status'],
};

export function openApiDocument(info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.query) {
      const schema = jsonSchema(route.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({
          name,
          in: 'query',
          required: schema.required?.includes(name) ?? false,
          schema: property,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const isProblem = Number(status) >= 400;
      responses[status] = {
        description: response.description,
        ...(response.schema || isProblem
          ? {
              content: isProblem
                ? { 'application/problem+json': { schema: problemSchema } }
                : { 'application/json': { schema: jsonSchema(response.schema!) } },
            }
          : {}),
      };
    }
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method] = {
      summary: route.summary,
      ...(route.tags ? { tags: route.tags } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses,
      ...(route.apiKey === false ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'syncworker control API', version: info.version },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}
