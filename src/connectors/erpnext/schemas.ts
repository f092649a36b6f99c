/**
 * What ERPNext returns, as zod schemas: the success and error envelopes, and the Customer, Address and Contact
 * documents with their real field names. Documents keep unknown keys (custom fields such as a VAT number live there).
 */
import { z } from 'zod';
import { isFrappeTimestamp } from './timestamps.js';

const text = z.string().nullish();
const check = z.union([z.literal(0), z.literal(1), z.boolean()]).nullish();
export const frappeTimestamp = z.string().refine(isFrappeTimestamp, 'not an ERPNext timestamp');

export const frappeErrorEnvelope = z.looseObject({
  exc_type: z.string().optional(),
  exception: z.string().optional(),
  exc: z.string().optional(),
  _server_messages: z.string().optional(),
});

export const dynamicLink = z.looseObject({
  link_doctype: z.string(),
  link_name: z.string(),
});

export const customerDoc = z.looseObject({
  name: z.string().min(1),
  customer_name: z.string(),
  customer_type: text,
  customer_group: text,
  territory: text,
  website: text,
  tax_id: text,
  language: text,
  disabled: check,
  customer_primary_address: text,
  customer_primary_contact: text,
  credit_limits: z
    .array(z.looseObject({ company: z.string(), credit_limit: z.union([z.number(), z.string()]).nullish() }))
    .nullish(),
  modified: frappeTimestamp,
});
export type CustomerDoc = z.infer<typeof customerDoc>;

export const addressDoc = z.looseObject({
  name: z.string().min(1),
  address_line1: text,
  address_line2: text,
  city: text,
  state: text,
  pincode: text,
  country: text,
  links: z.array(dynamicLink).nullish(),
  modified: frappeTimestamp,
});
export type AddressDoc = z.infer<typeof addressDoc>;

export const contactDoc = z.looseObject({
  name: z.string().min(1),
  first_name: text,
  last_name: text,
  company_name: text,
  email_id: text,
  phone: text,
  mobile_no: text,
  links: z.array(dynamicLink).nullish(),
  modified: frappeTimestamp,
});
export type ContactDoc = z.infer<typeof contactDoc>;

export const dataEnvelope = <T extends z.ZodType>(data: T) => z.object({ data });

/** The document events a Frappe webhook fires on. */
export const frappeDocEvents = [
  'after_insert',
  'on_update',
  'on_submit',
  'on_cancel',
  'on_trash',
  'on_update_after_submit',
  'on_change',
] as const;
export type FrappeDocEvent = (typeof frappeDocEvents)[number];

export const webhookDoctypes = ['Customer', 'Address', 'Contact'] as const;

/**
 * What an ERPNext webhook on a Customer, Address or Contact sends: only the fields chosen under "Webhook Data", or
 * what its JSON template writes. The document's name is all that is needed; the event and doctype are there only
 * when a template writes them in. Other keys are ignored.
 */
export const customerWebhookPayload = z.object({
  event: z.enum(frappeDocEvents).optional(),
  /** Customer by default; Address and Contact webhooks re-read the customers they belong to. */
  doctype: z.enum(webhookDoctypes).optional(),
  name: z
    .string({
      error:
        'expected the document name: add the field "Name (Doc Name)" under Webhook Data, or "name": "{{ doc.name }}" to the JSON template',
    })
    .min(1),
  modified: frappeTimestamp.optional(),
});
export type CustomerWebhookPayload = z.infer<typeof customerWebhookPayload>;
