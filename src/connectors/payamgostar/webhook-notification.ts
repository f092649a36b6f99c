/**
 * The CRM's webhook: on each insert or update it calls the configured URL with GET query parameters `event`
 * (Insert/Update), `id` (the record's GUID), `type` (Identity/Quote) and `subtype`, the tenant's own name of the record
 * type in Persian — a person type's name contains حقیقی, an organization type's حقوقی. It signs nothing and carries no
 * data: the receiver reads the record itself. This module only reads the query; checking the URL's secret is the
 * receiving flow's business.
 */
import { z } from 'zod';

export type IdentityKind = 'person' | 'organization';

export type CrmNotification =
  | {
      event: 'Insert' | 'Update';
      type: 'Identity';
      /** Lower-case GUID. */
      id: string;
      subtype: string;
      /** From the subtype; undefined when the tenant's type name says neither حقیقی nor حقوقی. */
      identityKind: IdentityKind | undefined;
    }
  | { event: 'Insert' | 'Update'; type: 'Quote'; id: string; subtype: string };

export type CrmNotificationParse =
  { ok: true; notification: CrmNotification } | { ok: false; reason: string };

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Names typed on an Arabic keyboard use ي and ك where Persian uses ی and ک; both spellings mean the same word. */
function persianLetters(value: string): string {
  return value.replace(/\u064a/g, '\u06cc').replace(/\u0643/g, '\u06a9');
}

const person = persianLetters('حقیقی');
const organization = persianLetters('حقوقی');

function identityKindOf(subtype: string): IdentityKind | undefined {
  const name = persianLetters(subtype);
  const isPerson = name.includes(person);
  const isOrganization = name.includes(organization);
  if (isPerson === isOrganization) return undefined;
  return isPerson ? 'person' : 'organization';
}

const single = (name: string) =>
  z
    .string({
      error: (issue) => (issue.input === undefined ? `${name} is missing` : `${name} is given twice`),
    })
    .transform((v) => v.trim());

const querySchema = z.object({
  event: single('event').pipe(
    z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(['insert', 'update'], { error: 'event is neither Insert nor Update' })),
  ),
  id: single('id').pipe(z.string().regex(guid, 'id is not a GUID')),
  type: single('type').pipe(
    z
      .string()
      .transform((v) => v.toLowerCase())
      .pipe(z.enum(['identity', 'quote'], { error: 'type is neither Identity nor Quote' })),
  ),
  subtype: single('subtype').optional(),
});

/**
 * The query of one webhook call (Express's `req.query`, or URLSearchParams) → a typed notification, or the reason it
 * is not one, quoting what arrived.
 */
export function parseCrmNotification(query: URLSearchParams | Record<string, unknown>): CrmNotificationParse {
  const fields =
    query instanceof URLSearchParams
      ? Object.fromEntries([...new Set(query.keys())].map((k) => [k, repeated(query.getAll(k))]))
      : query;
  const parsed = querySchema.safeParse(fields);
  if (!parsed.success) {
    const said = ['event', 'id', 'type', 'subtype']
      .map((k) => `${k}=${JSON.stringify(fields[k] ?? null)}`)
      .join(' ');
    return {
      ok: false,
      reason: `not a Payamgostar webhook call: ${parsed.error.issues.map((i) => i.message).join('; ')} (${said})`,
    };
  }
  const { event, id, type, subtype = '' } = parsed.data;
  const common = { event: event === 'insert' ? 'Insert' : 'Update', id: id.toLowerCase(), subtype } as const;
  if (type === 'quote') return { ok: true, notification: { ...common, type: 'Quote' } };
  return { ok: true, notification: { ...common, type: 'Identity', identityKind: identityKindOf(subtype) } };
}

function repeated(values: string[]): string | string[] {
  return values.length === 1 ? values[0]! : values;
}
