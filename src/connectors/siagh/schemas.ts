/**
 * What Siagh returns, as zod schemas with Siagh's own (PascalCase) field names: the login reply, one contact of
 * `Gn_Web_Users/GetAll`, the SaveFormData reply, and one pre-invoice row of the pre-invoice lookup. Unknown keys are
 * kept: tenants add columns.
 */
import { z } from 'zod';
import { parseJalaliDate } from './jalali.js';

const text = z.string().nullish();
const jalaliDate = z.string().refine(
  (value) => {
    try {
      parseJalaliDate(value.split(' ')[0]!);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a Jalali date (YYYY/MM/DD)' },
);

export const loginReply = z.looseObject({
  SessionId: z.string().min(1),
  Token: z.string().nullish(),
  UserCode: z.number().int().nullish(),
  UserName: z.string().nullish(),
  ContactCode: z.number().int().nullish(),
  ContactName: z.string().nullish(),
  BranchCode: z.number().int().nullish(),
  BranchName: z.string().nullish(),
  IsAdminUser: z.boolean().nullish(),
  FiscalYear: z.number().int().min(1300).max(1600),
  MobileNo: text,
  SystemDate: jalaliDate,
  SystemTime: z.string().regex(/^\d{1,2}:\d{2}(:\d{2})?$/, 'not a time HH:MM'),
});
export type LoginReply = z.infer<typeof loginReply>;

/**
 * One user/contact of `GET /api/Sgh/GEN/Gn_Web_Users/GetAll`. `Code` is the customer code every other Siagh form
 * refers to; `tmpid` is not reliably returned (research §3.1), so it is optional; `TowardType` false is a person,
 * true an organization.
 */
export const siaghContact = z.looseObject({
  RecordId: z.string().min(1),
  Code: z.number().int().nonnegative(),
  Name: text,
  NickName: text,
  tmpid: z.union([z.string(), z.number()]).nullish(),
  NationalCode: text,
  MobileNo: text,
  MobileNo2: text,
  TelNo: text,
  TelNo2: text,
  Email: text,
  Email2: text,
  Address: text,
  PostalCode: text,
  CityCode: text,
  CountryCode: text,
  Gender: text,
  BirthDate: jalaliDate.nullish(),
  Description: text,
  WebSiteAddress: text,
  IsActive: z.boolean(),
  IsAdminUser: z.boolean(),
  TowardType: z.boolean(),
  tarafType: z.number().int().nullish(),
  RegDate: jalaliDate.nullish(),
  ParentCode: z.number().int().nullish(),
});
export type SiaghContact = z.infer<typeof siaghContact>;

export const saveReplyEntry = z.looseObject({
  ColName: text,
  Group: text,
  ErrorType: text,
  Description: text,
  ErrorCode: z.number().nullish(),
  MessageText: text,
  Solution: text,
});

/** SaveFormData's reply: HTTP 200 whether Siagh saved the form or refused it. */
export const saveReply = z.looseObject({
  Errors: z.array(saveReplyEntry).nullish(),
  FinalMessages: z.array(z.string()).nullish(),
  ReturnValue: z.boolean().nullish(),
  ReturnCode: z.union([z.string(), z.number()]).nullish(),
  ReturnParams: z.union([z.string(), z.number()]).nullish(),
});
export type SaveReply = z.infer<typeof saveReply>;

/**
 * One pre-invoice (`sl_sanad` row) of the pre-invoice lookup. INFERRED: the research shows no read of pre-invoices;
 * these are the sl_sanad columns SaveFormData writes (research §3.1) plus the document number and the `_In_Suid` the
 * form was saved with, named as Siagh names its other generated columns.
 */
export const siaghPreInvoice = z.looseObject({
  RecordId: z.string().min(1),
  Code: z.union([z.string(), z.number()]).transform(String),
  ShomareSanad: z.number().int().positive(),
  Suid: z.string().min(1),
  CodeMoshtari: z.number().int(),
  SalMali: z.number().int(),
  CodeNoeeSanad: z.number().int().nullish(),
  TarikhSanad: jalaliDate.nullish(),
  Tozihat: text,
});
export type SiaghPreInvoice = z.infer<typeof siaghPreInvoice>;
