/**
 * How a local customer maps onto ERPNext, in one place. ERPNext splits a customer across three documents: the
 * Customer itself, an Address and a Contact linked to it by Dynamic Link. Fields that do not exist on Customer
 * (city, email, phone, company name…) are never sent there; the credit limit lives in the `credit_limits` child table
 * per company; ERPNext has no VAT number, so it goes to a custom field only when one is configured.
 */
import type {
  CustomerDocuments,
  CustomerReadOptions,
  RemoteCustomer,
} from '../../connectors/erpnext/customers.js';
import type { CustomerFieldName, CustomerFields } from '../../customers/fields.js';
import { customerDefaults, customerFieldNames } from '../../customers/fields.js';

export interface CustomerMappingSettings {
  /** The ERPNext Company the credit limit is for; without it the credit limit is not synced. */
  company?: string;
  /** Custom Customer field holding the VAT number; without it the VAT number stays local. */
  vatField?: string;
}

type Doctype = 'Customer' | 'Address' | 'Contact';

interface FieldMapping {
  local: CustomerFieldName;
  doctype: Doctype;
  /** The ERPNext field; for the Contact's email and phone, the value also goes to its child table. */
  remote: string;
}

const fieldMappings: FieldMapping[] = [
  { local: 'name', doctype: 'Customer', remote: 'customer_name' },
  { local: 'customerType', doctype: 'Customer', remote: 'customer_type' },
  { local: 'customerGroup', doctype: 'Customer', remote: 'customer_group' },
  { local: 'territory', doctype: 'Customer', remote: 'territory' },
  { local: 'website', doctype: 'Customer', remote: 'website' },
  { local: 'taxNumber', doctype: 'Customer', remote: 'tax_id' },
  { local: 'language', doctype: 'Customer', remote: 'language' },
  { local: 'address', doctype: 'Address', remote: 'address_line1' },
  { local: 'city', doctype: 'Address', remote: 'city' },
  { local: 'state', doctype: 'Address', remote: 'state' },
  { local: 'postalCode', doctype: 'Address', remote: 'pincode' },
  { local: 'country', doctype: 'Address', remote: 'country' },
  { local: 'contactPerson', doctype: 'Contact', remote: 'first_name' },
  { local: 'companyName', doctype: 'Contact', remote: 'company_name' },
  { local: 'email', doctype: 'Contact', remote: 'email_id' },
  { local: 'phone', doctype: 'Contact', remote: 'phone' },
];

const addressFields = fieldMappings.filter((m) => m.doctype === 'Address');
const contactFields = fieldMappings.filter((m) => m.doctype === 'Contact');
const customerFields = fieldMappings.filter((m) => m.doctype === 'Customer');

/** The local fields that travel to ERPNext and back under these settings. */
export function syncedFieldNames(settings: CustomerMappingSettings): CustomerFieldName[] {
  return customerFieldNames.filter(
    (name) => (name !== 'vatNumber' || settings.vatField) && (name !== 'creditLimit' || settings.company),
  );
}

/** The fields of the Customer document itself (never address, contact or other foreign fields). */
export function customerBody(
  fields: CustomerFields,
  settings: CustomerMappingSettings,
): Record<string, unknown> {
  const body: Record<string, unknown> = { disabled: fields.active ? 0 : 1 };
  for (const m of customerFields) body[m.remote] = fields[m.local];
  if (settings.vatField) body[settings.vatField] = fields.vatNumber;
  if (settings.company)
    body.credit_limits =
      fields.creditLimit === null
        ? []
        : [{ company: settings.company, credit_limit: Number(fields.creditLimit) }];
  return body;
}

function hasAddress(fields: CustomerFields): boolean {
  return fields.address !== null;
}

function hasContact(fields: CustomerFields): boolean {
  return contactFields.some((m) => fields[m.local] !== null);
}

const customerLink = (customerName: string) => [{ link_doctype: 'Customer', link_name: customerName }];

export function addressBody(fields: CustomerFields, customerName: string): Record<string, unknown> {
  const body: Record<string, unknown> = { address_title: fields.name, address_type: 'Billing' };
  for (const m of addressFields) body[m.remote] = fields[m.local];
  body.links = customerLink(customerName);
  return body;
}

export function contactBody(fields: CustomerFields, customerName: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const m of contactFields)
    if (m.remote !== 'email_id' && m.remote !== 'phone') body[m.remote] = fields[m.local];
  // Since v13 a Contact's email and phone are derived from its child tables; writing the plain fields alone is lost.
  body.email_ids = fields.email ? [{ email_id: fields.email, is_primary: 1 }] : [];
  body.phone_nos = fields.phone ? [{ phone: fields.phone, is_primary_phone: 1 }] : [];
  body.links = customerLink(customerName);
  return body;
}

/** The ERPNext documents a local customer becomes. */
export function customerDocuments(
  fields: CustomerFields,
  settings: CustomerMappingSettings,
): CustomerDocuments {
  return {
    customer: customerBody(fields, settings),
    address: hasAddress(fields) ? (customerName) => addressBody(fields, customerName) : null,
    contact: hasContact(fields) ? (customerName) => contactBody(fields, customerName) : null,
  };
}

/** What ERPNext must send with each Customer for these settings to be mapped. */
export function customerReadOptions(settings: CustomerMappingSettings): CustomerReadOptions {
  return { customFields: settings.vatField ? [settings.vatField] : [], creditLimits: !!settings.company };
}

const blankToNull = (value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
};

/** The local fields a remote customer stands for, limited to the fields that are synced. */
export function fieldsFromRemote(
  remote: RemoteCustomer,
  settings: CustomerMappingSettings,
): Partial<CustomerFields> {
  const out: Record<string, unknown> = {};
  const docs: Record<Doctype, Record<string, unknown> | null> = {
    Customer: remote.customer,
    Address: remote.address,
    Contact: remote.contact,
  };
  for (const m of fieldMappings) out[m.local] = blankToNull(docs[m.doctype]?.[m.remote]);
  if (remote.contact && remote.contact.last_name && out.contactPerson)
    out.contactPerson = `${String(out.contactPerson)} ${remote.contact.last_name.trim()}`;
  out.name = remote.customer.customer_name.trim();
  out.customerType = out.customerType ?? customerDefaults.customerType;
  out.customerGroup = out.customerGroup ?? customerDefaults.customerGroup;
  out.territory = out.territory ?? customerDefaults.territory;
  out.language = out.language ?? customerDefaults.language;
  out.active = !remote.customer.disabled;
  if (settings.vatField) out.vatNumber = blankToNull(remote.customer[settings.vatField]);
  if (settings.company) {
    const row = remote.customer.credit_limits?.find((r) => r.company === settings.company);
    const amount =
      row?.credit_limit === undefined || row.credit_limit === null ? null : Number(row.credit_limit);
    out.creditLimit = amount === null || !Number.isFinite(amount) ? null : amount.toFixed(2);
  }
  const picked: Partial<CustomerFields> = {};
  for (const name of syncedFieldNames(settings))
    (picked as Record<string, unknown>)[name] = out[name] ?? null;
  return picked;
}
