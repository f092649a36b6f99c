/**
 * Every route in the OpenAPI document, tried as a careless or hostile client would: odd path parameters, query values
 * and bodies (NUL bytes, invalid UTF-8, 5,000-character and 100 KB values, wrong JSON types, deep nesting). None may
 * answer 5xx, except a 503 that says the system behind the route is not configured. A new route is covered the day
 * it is documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWorker, testApiKey, type TestWorker } from '../helpers/worker.js';

interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

const oddPathValues = [
  '%00',
  'a%00b',
  'x'.repeat(5000),
  '%E0%A4%A',
  '%C0%AF',
  '%F0%9F%98',
  '%ED%A0%80',
  '%2e%2e%2f%2e%2e',
  '%F0%9F%98%80',
  '-1',
  '1e308',
  'null',
];
const oddQueryValues = [
  '\u0000',
  'a\u0000b',
  'x'.repeat(5000),
  '\uD800',
  '-1',
  'NaN',
  '1e308',
  '[]',
  '{"a":1}',
  'null',
];
const hundredKb = 'y'.repeat(100_000);
const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const oddRawBodies: (string | Blob)[] = [
  '[]',
  '123',
  '"text"',
  'null',
  'true',
  '{"a":"\\u0000"}',
  '{"\\u0000":1}',
  deep(40),
  deep(5000),
  `{"value":"${hundredKb}"}`,
  new Blob([Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])]),
];
const oddFieldValues: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\uDC00',
  'x'.repeat(5000),
  hundredKb,
  -1,
  1e308,
  [],
  {},
  null,
  true,
];

describe('every documented route under odd input', () => {
  let tw: TestWorker;
  let spec: OpenApi;
  beforeAll(async () => {
    tw = await startTestWorker('pglite');
    spec = (await (await tw.api('/api/openapi.json')).json()) as OpenApi;
  });
  afterAll(async () => {
    await tw?.stop();
  });

  /** What a 5xx answer said, or undefined when the answer is acceptable. */
  async function send(method: string, path: string, body?: string | Blob): Promise<string | undefined> {
    const controller = new AbortController();
    const headers: Record<string, string> = { authorization: `Bearer ${testApiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${tw.url}${path}`, { method, headers, body, signal: controller.signal });
    if (res.headers.get('content-type')?.includes('text/event-stream')) {
      controller.abort();
      return undefined;
    }
    const text = await res.text();
    if (res.status < 500) return undefined;
    if (res.status === 503 && /not configured/i.test(text)) return undefined;
    return `${method.toUpperCase()} ${path.slice(0, 120)}${body === undefined ? '' : ` body ${String(body).slice(0, 60)}`} → ${res.status} ${text.slice(0, 200)}`;
  }

  const fill = (template: string, value: string) => template.replace(/\{[^}]+\}/g, value);
  const plain = (template: string) => fill(template, 'sample-1');

  /** Sends every request, a few at a time, and returns what the 5xx answers said. */
  async function sweep(
    requests: { method: string; path: string; body?: string | Blob }[],
  ): Promise<string[]> {
    const failures: string[] = [];
    let next = 0;
    const sender = async () => {
      while (next < requests.length) {
        const { method, path, body } = requests[next++]!;
        const failure = await send(method, path, body);
        if (failure) failures.push(failure);
      }
    };
    await Promise.all(Array.from({ length: 6 }, sender));
    return failures;
  }

  it('answers no 5xx to odd path parameters', { timeout: 300_000 }, async () => {
    const requests = Object.entries(spec.paths)
      .filter(([template]) => template.includes('{'))
      .flatMap(([template, operations]) =>
        Object.keys(operations).flatMap((method) =>
          oddPathValues.map((value) => ({ method, path: fill(template, value) })),
        ),
      );
    expect(await sweep(requests)).toEqual([]);
  });

  it('answers no 5xx to odd query values', { timeout: 300_000 }, async () => {
    const requests = Object.entries(spec.paths).flatMap(([template, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) =>
        (operation.parameters?.filter((p) => p.in === 'query') ?? []).flatMap((parameter) =>
          oddQueryValues.map((value) => ({
            method,
            path: `${plain(template)}?${new URLSearchParams({ [parameter.name]: value })}`,
          })),
        ),
      ),
    );
    expect(await sweep(requests)).toEqual([]);
  });

  it(
    'answers no 5xx to odd bodies and odd values in each documented body field',
    { timeout: 300_000 },
    async () => {
      const requests = Object.entries(spec.paths).flatMap(([template, operations]) =>
        Object.entries(operations)
          .filter(([method]) => ['post', 'put', 'patch'].includes(method))
          .flatMap(([method, operation]) => {
            const fields = Object.keys(
              operation.requestBody?.content?.['application/json']?.schema?.properties ?? { value: true },
            );
            const bodies = [
              ...oddRawBodies,
              ...fields.flatMap((field) => oddFieldValues.map((value) => JSON.stringify({ [field]: value }))),
            ];
            return bodies.map((body) => ({ method, path: plain(template), body }));
          }),
      );
      expect(await sweep(requests)).toEqual([]);
    },
  );

  it('names the field it refuses', async () => {
    const res = await tw.api('/api/runs?job=a%00b');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ field: 'query.job' }] });
    const path = await tw.api('/api/inventory/ABC%00');
    expect(path.status).toBe(400);
    expect(await path.json()).toMatchObject({ errors: [{ field: 'path' }] });
  });
});
