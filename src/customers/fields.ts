/**
 * The fields of a customer as people edit them, the rules they must follow (the same rules ERPNext will apply, so a
 * bad record is refused here rather than failing later in the outbox), and the checksum that recognises a state
 * already seen.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const customerTypes = ['Company', 'Individual', 'Partnership'] as const;

export const customerDefaults = {
  customerGroup: 'Individual',
  customerType: 'Company' as (typeof customerTypes)[number],
  territory: 'All Territories',
  language: 'en',
};

/** Every field kept in step with ERPNext, in checksum order. */
export const customerFieldNames = [
  'name',
  'companyName',
  'contactPerson',
  'email',
  'phone',
  'address',
  'city',
  'state',
  'postalCode',
  'country',
  'website',
  'taxNumber',
  'vatNumber',
  'creditLimit',
  'customerGroup',
  'customerType',
  'territory',
  'language',
  'active',
] as const;
export type CustomerFieldName = (typeof customerFieldNames)[number];

export interface CustomerFields {
  name: string;
  companyName: string | null;
  contactPerson: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  website: string | null;
  taxNumber: string | null;
  vatNumber: string | null;
  /** Exact decimal text with two places, e.g. "1500.00". */
  creditLimit: string | null;
  customerGroup: string;
  customerType: string;
  territory: string;
  language: string;
  active: boolean;
}

const optionalText = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .transform((v) => (v.trim() === '' ? null : v.trim()))
    .nullable()
    .optional();

const requiredText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);

/** Money as people type it (number or text), kept as exact two-place decimal text. */
export const creditLimitInput = z
  .union([
    z.number(),
    z
      .string()
      .trim()
      .regex(/^\d+(\.\d{1,2})?$/, 'expected an amount like 1500 or 1500.50'),
  ])
  .transform((v) => (typeof v === 'number' ? v : Number(v)))
  .refine((v) => Number.isFinite(v) && v >= 0 && v < 1e15, 'must be an amount of 0 or more')
  .transform((v) => v.toFixed(2))
  .nullable()
  .optional();

const shape = {
  name: requiredText(140),
  companyName: optionalText(140),
  contactPerson: optionalText(140),
  email: z
    .email('expected an email address like ap@example.com')
    .max(140)
    .nullable()
    .optional()
    .or(z.literal('').transform(() => null)),
  phone: optionalText(40),
  address: optionalText(240),
  city: optionalText(140),
  state: optionalText(140),
  postalCode: optionalText(20),
  country: optionalText(140),
  website: optionalText(240),
  taxNumber: optionalText(60),
  vatNumber: optionalText(60),
  creditLimit: creditLimitInput,
  customerGroup: requiredText(140).optional(),
  customerType: z.enum(customerTypes, { message: `expected one of ${customerTypes.join(', ')}` }).optional(),
  territory: requiredText(140).optional(),
  language: requiredText(10).optional(),
};

export const customerCreateInput = z.strictObject(shape);
export type CustomerCreateInput = z.infer<typeof customerCreateInput>;

export const customerUpdateInput = z
  .strictObject({ ...shape, name: shape.name.optional() })
  .refine((v) => Object.keys(v).length > 0, 'send at least one field to change');
export type CustomerUpdateInput = z.infer<typeof customerUpdateInput>;

/** A new customer's fields: what was sent, the house defaults for the rest. */
export function newCustomerFields(input: CustomerCreateInput, defaultCountry: string): CustomerFields {
  return {
    name: input.name,
    companyName: input.companyName ?? null,
    contactPerson: input.contactPerson ?? null,
    email: input.email ?? null,
    phone: input.phone ?? null,
    address: input.address ?? null,
    city: input.city ?? null,
    state: input.state ?? null,
    postalCode: input.postalCode ?? null,
    // ERPNext keeps the country on the Address, so the default belongs to a customer that has an address.
    country: input.country ?? (input.address ? defaultCountry : null),
    website: input.website ?? null,
    taxNumber: input.taxNumber ?? null,
    vatNumber: input.vatNumber ?? null,
    creditLimit: input.creditLimit ?? null,
    customerGroup: input.customerGroup ?? customerDefaults.customerGroup,
    customerType: input.customerType ?? customerDefaults.customerType,
    territory: input.territory ?? customerDefaults.territory,
    language: input.language ?? customerDefaults.language,
    active: true,
  };
}

export function applyUpdate(current: CustomerFields, update: CustomerUpdateInput): CustomerFields {
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value !== undefined) (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

/**
 * Rules across fields: ERPNext refuses an Address without a street and a city, and keeps the country only on the
 * Address, so such a record is refused here.
 */
export function crossFieldErrors(fields: CustomerFields): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  const hasAddressPart = fields.address || fields.city || fields.state || fields.postalCode || fields.country;
  if (hasAddressPart && !fields.address)
    errors.push({
      field: 'address',
      message: 'an address needs its street line when city, state, postal code or country is given',
    });
  if (hasAddressPart && !fields.city)
    errors.push({
      field: 'city',
      message: 'an address needs a city (ERPNext refuses addresses without one)',
    });
  return errors;
}

export function pickFields(source: CustomerFields, names: readonly CustomerFieldName[] = customerFieldNames) {
  const out: Partial<Record<CustomerFieldName, unknown>> = {};
  for (const name of names) out[name] = source[name];
  return out;
}

/** A stable digest of the given fields: equal digests mean nothing changed in them. */
export function fieldsChecksum(source: Partial<CustomerFields>, names: readonly CustomerFieldName[]): string {
  const ordered = names.map((n) => [n, source[n] ?? null]);
  return createHash('sha256').update(JSON.stringify(ordered)).digest('base64url');
}

export function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}
