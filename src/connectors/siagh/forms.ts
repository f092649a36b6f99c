/**
 * The SaveFormData payloads Siagh's forms take (research §3.1), built by pure functions from plain typed inputs: the
 * contact form 2BFDA (create, and update with `Param1`/`CodeMain`) and the sales pre-invoice form 43D81 with its item
 * grid as a JSON string of `{oldValue, newValue}` cells. The flow maps CRM records to these inputs; nothing here
 * knows the CRM.
 */
import { createHash, randomUUID } from 'node:crypto';
import { buildCtrlValues, type CtrlValue } from './ctrl-values.js';
import { SiaghInputError } from './errors.js';

export const contactFormId = '2BFDA';
export const preInvoiceFormId = '43D81';

/** The body of `POST /BpmsApi/SaveFormData`. */
export interface SaveFormRequest {
  formId: string;
  ctrlValues: string;
  parameters: string;
  dataRows: string;
  attachments: string;
  postCode: string;
  flowId: string;
}

/**
 * A contact (customer) as Siagh's contact form takes it. On update a field left `undefined` is not sent, so Siagh
 * keeps its value; `null` or `''` clears it.
 */
export interface SiaghContactInput {
  fullName: string;
  kind: 'person' | 'organization';
  active?: boolean;
  mobile?: string | null;
  phone?: string | null;
  email?: string | null;
  /** National id (کد ملی) of a person, national id of an organization: Siagh's `passno`. */
  nationalCode?: string | null;
  /** Siagh's `tmpid`, the CRM's `refId`. */
  tmpId?: string | number | null;
  address?: string | null;
  postalCode?: string | null;
  website?: string | null;
  description?: string | null;
}

export interface SiaghPreInvoiceLine {
  /** Siagh item code (`codekala`). */
  itemCode: string;
  /** Unit name as Siagh knows it (`nameunit`), e.g. "عدد". */
  unitName: string;
  quantity: number;
  unitPrice: number;
  /** Discount amount of the line (`mabtakhfif`), not a percentage. */
  discountAmount?: number;
  weight?: number;
  volume?: number;
}

export interface SiaghPreInvoiceInput {
  /** `_In_Suid`: 32 upper-case hex digits, chosen once per quote and kept, so a retry can find what it created. */
  suid: string;
  /** The customer's Siagh `Code` (`codemoshtari`). */
  customerCode: number;
  /** Jalali fiscal year (`salmali`), e.g. 1404. */
  fiscalYear: number;
  /** Sale model (`codesalemodel`), from the CRM quote type (`PI_5` → 5). */
  saleModel: number;
  /** Sales centre (`codemarkazforush`); empty when not given. */
  salesCenter?: number | null;
  /** Payment type (`codenoeepardakht`); 2 when not given, as the research's forms send. */
  paymentType?: number;
  /** Sale type (`codenoeeforush`); 1 when not given. */
  saleType?: number;
  /** Intermediary (`codevaseteh`); 31 when not given, as the research's forms send. */
  intermediary?: number | null;
  /** Contact person code (`codecontact`); empty when not given. */
  contactCode?: number | null;
  /** Free text (`tozihat`), e.g. the CRM quote's subject and number. */
  description?: string;
  /** Document type name (`namenoesanad`). */
  documentName?: string;
  lines: SiaghPreInvoiceLine[];
}

const suidPattern = /^[0-9A-F]{32}$/;

/** A fresh `_In_Suid`: a random UUID as 32 upper-case hex digits. */
export function newSuid(): string {
  return randomUUID().replaceAll('-', '').toUpperCase();
}

export function isSuid(value: string): boolean {
  return suidPattern.test(value);
}

function positiveCode(field: string, code: number): number {
  if (!Number.isSafeInteger(code) || code <= 0)
    throw new SiaghInputError(field, `is not a positive whole number (${code})`);
  return code;
}

function request(formId: string, ctrlValues: string, parameters: string, dataRows = '[]'): SaveFormRequest {
  return { formId, ctrlValues, parameters, dataRows, attachments: '[]', postCode: '1110', flowId: '' };
}

function contactFields(input: SiaghContactInput, update: boolean): [string, CtrlValue][] {
  if (input.fullName.trim() === '') throw new SiaghInputError('gn_web_users.fullname', 'is empty');
  const fields: [string, CtrlValue][] = [
    ['NickName', 'dbgrid1.#nickname#'],
    ['gn_web_users.isactive', input.active ?? true],
    ['gn_web_users.fullname', input.fullName.trim()],
    ['gn_web_users.mobileno', input.mobile],
    ['gn_web_users.telno', input.phone],
    ['gn_web_users.email', input.email],
    ['gn_web_users.passno', input.nationalCode],
    ['gn_web_users.tmpid', input.tmpId],
    ['gn_web_users.address', input.address],
    ['gn_web_users.pocode', input.postalCode],
    ['gn_web_users.websiteaddress', input.website],
    ['gn_web_users.tozihat', input.description],
    ['gn_web_users.taraftype', input.kind === 'organization' ? 1 : 0],
  ];
  return fields.filter(([, value]) => !update || value !== undefined);
}

/** The contact form for a new contact: Siagh answers its code in `ReturnCode`. */
export function contactCreateForm(input: SiaghContactInput): SaveFormRequest {
  return request(contactFormId, buildCtrlValues(contactFields(input, false)), 'CodeMain=');
}

/** The contact form for the contact `code`: `Param1=<code>` first in the values, `CodeMain=<code>` as parameter. */
export function contactUpdateForm(code: number, input: SiaghContactInput): SaveFormRequest {
  positiveCode('Param1', code);
  return request(
    contactFormId,
    buildCtrlValues([['Param1', code], ...contactFields(input, true)]),
    buildCtrlValues([['CodeMain', code]]),
  );
}

function cell(value: string | number | null) {
  return { oldValue: null, newValue: value };
}

function amount(field: string, value: number | undefined, allowZero: boolean): number {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new SiaghInputError(
      field,
      `must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value})`,
    );
  return v;
}

/** The item grid of a pre-invoice: one row per line, each field a `{oldValue, newValue}` cell, all "inserted". */
function preInvoiceRows(input: SiaghPreInvoiceInput) {
  if (input.lines.length === 0)
    throw new SiaghInputError('sl_rizsanad', 'has no lines: a pre-invoice needs at least one item');
  return input.lines.map((line, index) => {
    const row = `sl_rizsanad row ${index + 1}`;
    if (line.itemCode.trim() === '') throw new SiaghInputError(`${row} codekala`, 'is empty');
    const quantity = amount(`${row} qty`, line.quantity, false);
    // The row id only has to be unique within the form; derived from the suid, the same input gives the same body.
    const uid = createHash('sha256').update(`${input.suid}:${index}`).digest('hex').slice(0, 8);
    return {
      __uid: { oldValue: uid, newValue: uid },
      _status: { oldValue: 'inserted', newValue: 'inserted' },
      codekala: cell(line.itemCode.trim()),
      nameunit: cell(line.unitName),
      qty: cell(quantity),
      mabtakhfif: cell(amount(`${row} mabtakhfif`, line.discountAmount, true)),
      vazn: cell(String(amount(`${row} vazn`, line.weight, true))),
      hajm: cell(String(amount(`${row} hajm`, line.volume, true))),
      price: cell(amount(`${row} price`, line.unitPrice, true)),
      radif: cell(String(index + 1)),
      finalqty: cell(quantity),
      takhfif: cell(null),
      sumamelinc: cell(null),
      sumameldec: cell(null),
    };
  });
}

/** The sales pre-invoice form: header values, `_In_Suid` parameter, and the item grid as a JSON string. */
export function preInvoiceForm(input: SiaghPreInvoiceInput): SaveFormRequest {
  if (!isSuid(input.suid))
    throw new SiaghInputError('_In_Suid', 'is not 32 upper-case hex digits', input.suid);
  positiveCode('sl_sanad.codemoshtari', input.customerCode);
  positiveCode('sl_sanad.salmali', input.fiscalYear);
  positiveCode('sl_sanad.codesalemodel', input.saleModel);
  const ctrlValues = buildCtrlValues([
    ['sl_sanad.hssanadstate', 8],
    ['sl_sanad.codenoeesanad', 2],
    ['sl_sanad.codesalemodel', input.saleModel],
    ['sl_sanad.salmali', input.fiscalYear],
    ['sl_sanad.codenoeepardakht', input.paymentType ?? 2],
    ['sl_sanad.codemarkazforush', input.salesCenter],
    ['sl_sanad.codecontact', input.contactCode],
    ['sl_sanad.codemoshtari', input.customerCode],
    ['sl_sanad.codenoeeforush', input.saleType ?? 1],
    ['sl_sanad.codevaseteh', input.intermediary === undefined ? 31 : input.intermediary],
    ['sl_sanad.tozihat', input.description],
    ['sl_sanad.namenoesanad', input.documentName ?? 'پیش فاکتور فروش'],
  ]);
  const dataRows = [
    { name: 'dbgrid1', entity: 'sl_rizsanad', keyField: 'coderiz', data: preInvoiceRows(input) },
  ];
  return request(
    preInvoiceFormId,
    ctrlValues,
    buildCtrlValues([
      ['_In_EditKeys', ''],
      ['_In_Suid', input.suid],
      ['nocheck', ''],
    ]),
    JSON.stringify(dataRows),
  );
}
