/**
 * What the Payamgostar CRM returns, as zod schemas: the login, the bare-array identity pages, create replies (which
 * name the new id `crmId` or `id`), person and organization records, and sales quotes with their lines. Fields the
 * CRM may leave out or send as null come out as undefined; fields this worker never reads are dropped.
 */
import { z } from 'zod';

const text = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const amount = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? undefined);

export const loginReplySchema = z.object({
  /** .NET round-trip time with the server's offset: "2025-12-16T11:43:53.1385332+03:30". */
  expiresAt: z.string().min(1),
  accessToken: z.string().min(1),
  refreshToken: text,
});
export type LoginReply = z.infer<typeof loginReplySchema>;

/** One row of an identity list: all the list endpoints give, whatever their name. */
export const identityListRowSchema = z.object({
  identityId: z.string().min(1),
  nickName: text,
  customerNo: text,
});
export type IdentityListRow = z.infer<typeof identityListRowSchema>;

/** A page is a bare JSON array; the last page is the first one with fewer rows than asked for. */
export const identityPageSchema = z.array(identityListRowSchema);

/** The repository that ran against a real CRM read `crmId`; the CRM's older document shows `id`. Either is taken. */
export const createReplySchema = z
  .object({ crmId: text, id: text })
  .refine((reply) => reply.crmId !== undefined || reply.id !== undefined, {
    message: 'the create reply names no new record (neither crmId nor id)',
  })
  .refine((reply) => !reply.crmId || !reply.id || reply.crmId.toLowerCase() === reply.id.toLowerCase(), {
    message: 'the create reply names two different records (crmId and id differ)',
  })
  .transform((reply) => (reply.crmId ?? reply.id)!);

export const phoneContactSchema = z.object({
  id: text,
  default: flag,
  /** "Mobile", "Office", … */
  phoneType: text,
  phoneNumber: text,
  extension: text,
});

export const addressContactSchema = z.object({
  id: text,
  default: flag,
  country: text,
  state: text,
  city: text,
  address: text,
  zipCode: text,
});

export const categorySchema = z.object({ id: text, key: text, name: text });

const identityFields = {
  crmId: z.string().min(1),
  /** The CRM object type of this identity, tenant-defined ("person", "organization" or a custom code). */
  crmObjectTypeCode: text,
  crmObjectTypeName: text,
  /** Siagh's tmpid, when the contact came from Siagh. */
  refId: text,
  nickName: text,
  nationalCode: text,
  economicCode: text,
  email: text,
  alternativeEmail: text,
  website: text,
  description: text,
  customerNumber: text,
  phoneContacts: z
    .array(phoneContactSchema)
    .nullish()
    .transform((v) => v ?? []),
  addressContacts: z
    .array(addressContactSchema)
    .nullish()
    .transform((v) => v ?? []),
  categories: z
    .array(categorySchema)
    .nullish()
    .transform((v) => v ?? []),
  /** Server wall-clock times without offset; parse with `parseCrmTimestamp` and the CRM's time zone. */
  creatDate: text,
  modifyDate: text,
};

export const personSchema = z.object({
  ...identityFields,
  firstName: text,
  lastName: text,
  birthDate: text,
  gender: text,
});
export type CrmPerson = z.infer<typeof personSchema>;

export const organizationSchema = z.object({
  ...identityFields,
  registerNumber: text,
  registerDate: text,
  businessType: text,
});
export type CrmOrganization = z.infer<typeof organizationSchema>;

export const quoteLineSchema = z.object({
  productCode: text,
  productId: text,
  productName: text,
  /** The unit's name as the CRM shows it ("عدد", "قطعه"). */
  productUnitTypeName: text,
  isService: flag,
  count: z.number(),
  returnedCount: amount,
  baseUnitPrice: z.number(),
  finalUnitPrice: amount,
  totalUnitPrice: amount,
  totalDiscount: amount,
  discountPercent: amount,
  totalVat: amount,
  totalToll: amount,
  detailDescription: text,
  serial: text,
});
export type CrmQuoteLine = z.infer<typeof quoteLineSchema>;

export const quoteSchema = z.object({
  crmId: z.string().min(1),
  number: text,
  subject: text,
  description: text,
  refId: text,
  /** The customer. */
  identityId: z.string().min(1),
  /** The quote type, e.g. "PI_5": sale model 5 in Siagh. */
  crmObjectTypeCode: z.string().min(1),
  crmObjectTypeName: text,
  quoteType: text,
  priceListName: text,
  details: z.array(quoteLineSchema),
  totalValue: amount,
  discount: amount,
  vat: amount,
  toll: amount,
  additionalCosts: amount,
  finalValue: amount,
  discountPercent: amount,
  vatPercent: amount,
  quoteDate: text,
  expireDate: text,
  creatDate: text,
  modifyDate: text,
});
export type CrmQuote = z.infer<typeof quoteSchema>;
