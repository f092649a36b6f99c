/**
 * The documents of the simulated ERPNext site and the rules ERPNext applies when they are written: Customer with its
 * naming series, Link validation, mandatory fields and insert side effects (a Contact from email_id/mobile_no, an
 * Address from address_line1 requiring city and country); Address and Contact linked by Dynamic Link rows; Contact
 * email and phone derived from its child tables; unknown keys silently ignored; deleting a Customer deletes the
 * Address and Contact linked only to it. Every write stamps `modified` and tells the webhook sender.
 */
import { randomBytes } from 'node:crypto';
import { SiteClock } from './clock.js';

export type Doc = Record<string, unknown> & {
  name: string;
  doctype: string;
  modified: string;
  creation: string;
};
export type ChildRow = Record<string, unknown> & { parent: string; parenttype: string; parentfield: string };

export class FrappeException extends Error {
  constructor(
    readonly excType: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const validationError = (excType: string, message: string) =>
  new FrappeException(excType, 417, message);

export type DocEvent = 'after_insert' | 'on_update' | 'on_trash';

interface FieldSpec {
  fields: string[];
  /** Child table field → child doctype and its fields. */
  tables: Record<string, { doctype: string; fields: string[] }>;
  links: Record<string, string>;
  mandatory: [string, string][];
}

const specs: Record<string, FieldSpec> = {
  Customer: {
    fields: [
      'naming_series',
      'customer_name',
      'customer_type',
      'customer_group',
      'territory',
      'salutation',
      'gender',
      'default_currency',
      'default_price_list',
      'tax_id',
      'tax_category',
      'website',
      'language',
      'market_segment',
      'industry',
      'customer_details',
      'payment_terms',
      'disabled',
      'is_frozen',
      'is_internal_customer',
      'customer_primary_contact',
      'customer_primary_address',
      'primary_address',
      'mobile_no',
      'email_id',
      'account_manager',
    ],
    tables: {
      credit_limits: {
        doctype: 'Customer Credit Limit',
        fields: ['company', 'credit_limit', 'bypass_credit_limit_check'],
      },
    },
    links: {
      customer_group: 'Customer Group',
      territory: 'Territory',
      language: 'Language',
      customer_primary_contact: 'Contact',
      customer_primary_address: 'Address',
    },
    mandatory: [
      ['customer_name', 'Customer Name'],
      ['customer_type', 'Customer Type'],
    ],
  },
  Address: {
    fields: [
      'address_title',
      'address_type',
      'address_line1',
      'address_line2',
      'city',
      'county',
      'state',
      'country',
      'pincode',
      'email_id',
      'phone',
      'fax',
      'is_primary_address',
      'is_shipping_address',
      'disabled',
    ],
    tables: { links: { doctype: 'Dynamic Link', fields: ['link_doctype', 'link_name', 'link_title'] } },
    links: { country: 'Country' },
    mandatory: [
      ['address_line1', 'Address Line 1'],
      ['city', 'City/Town'],
      ['country', 'Country'],
    ],
  },
  Contact: {
    fields: [
      'first_name',
      'middle_name',
      'last_name',
      'full_name',
      'email_id',
      'user',
      'company_name',
      'phone',
      'mobile_no',
      'status',
      'salutation',
      'designation',
      'gender',
      'is_primary_contact',
      'unsubscribed',
    ],
    tables: {
      email_ids: { doctype: 'Contact Email', fields: ['email_id', 'is_primary'] },
      phone_nos: { doctype: 'Contact Phone', fields: ['phone', 'is_primary_phone', 'is_primary_mobile_no'] },
      links: { doctype: 'Dynamic Link', fields: ['link_doctype', 'link_name', 'link_title'] },
    },
    links: {},
    mandatory: [],
  },
};

export const childDoctypes = new Set(
  Object.values(specs).flatMap((s) => Object.values(s.tables).map((t) => t.doctype)),
);

const masters: Record<string, Set<string>> = {
  'Customer Group': new Set(['All Customer Groups', 'Individual', 'Commercial', 'Government', 'Non Profit']),
  Territory: new Set(['All Territories', 'United States', 'Canada', 'Rest Of The World']),
  Language: new Set(['en', 'de', 'fr', 'es', 'fa', 'ar']),
  Country: new Set([
    'United States',
    'Canada',
    'Mexico',
    'Germany',
    'France',
    'United Kingdom',
    'Iran',
    'India',
  ]),
};

export interface SiteOptions {
  random: () => number;
  clock: SiteClock;
  /** Custom fields added to Customer, e.g. a VAT number field. */
  customFields?: string[];
  /** 'series' (CUST-.YYYY.-#####, the default) or 'customer_name' (duplicates answer 409). */
  customerNaming?: 'series' | 'customer_name';
  user?: string;
}

export class FrappeSite {
  readonly docs = new Map<string, Map<string, Doc>>(Object.keys(specs).map((d) => [d, new Map()]));
  private series = 0;
  private readonly listeners: ((event: DocEvent, doc: Doc) => void)[] = [];

  private readonly specs: Record<string, FieldSpec> = structuredClone(specs);

  constructor(private readonly options: SiteOptions) {
    this.specs.Customer!.fields.push(...(options.customFields ?? []));
  }

  onEvent(listener: (event: DocEvent, doc: Doc) => void): void {
    this.listeners.push(listener);
  }

  isDoctype(doctype: string): boolean {
    return doctype in this.specs;
  }

  get(doctype: string, name: string): Doc {
    const doc = this.docs.get(doctype)?.get(name);
    if (!doc) throw new FrappeException('DoesNotExistError', 404, `${doctype} ${name} not found`);
    return this.view(doc);
  }

  /** The stored documents, for the list API (which copies the fields it returns); never modify them. */
  all(doctype: string): Doc[] {
    return [...(this.docs.get(doctype)?.values() ?? [])];
  }

  /** Child rows of a doctype under a parent doctype, as `get_list(child, parent=…)` returns them. */
  childRows(childDoctype: string, parentDoctype: string): ChildRow[] {
    const spec = this.specs[parentDoctype];
    if (!spec) return [];
    const fields = Object.entries(spec.tables)
      .filter(([, t]) => t.doctype === childDoctype)
      .map(([f]) => f);
    return [...this.docs.get(parentDoctype)!.values()].flatMap((doc) =>
      fields.flatMap((f) => (doc[f] as ChildRow[] | undefined) ?? []),
    );
  }

  insert(doctype: string, data: Record<string, unknown>): Doc {
    const spec = this.specs[doctype]!;
    const at = this.options.clock.tick();
    const doc = this.accept(doctype, data, {
      doctype,
      name: '',
      owner: this.options.user ?? 'Administrator',
      creation: at,
      modified: at,
      modified_by: this.options.user ?? 'Administrator',
      docstatus: 0,
      idx: 0,
    });
    if (doctype === 'Customer') {
      doc.customer_type ??= 'Company';
      doc.disabled ??= 0;
      doc.naming_series ??= 'CUST-.YYYY.-';
    }
    this.validate(doctype, doc, spec);
    doc.name = this.nameFor(doctype, doc);
    for (const table of Object.keys(spec.tables)) this.adoptChildren(doc, table);
    this.derive(doc);
    this.docs.get(doctype)!.set(doc.name, doc);
    if (doctype === 'Customer') {
      this.customerInsertSideEffects(doc, data);
      this.derive(doc);
    }
    this.emit('after_insert', doc);
    return this.view(doc);
  }

  update(doctype: string, name: string, data: Record<string, unknown>): Doc {
    const current = this.docs.get(doctype)?.get(name);
    if (!current) throw new FrappeException('DoesNotExistError', 404, `${doctype} ${name} not found`);
    if (typeof data.modified === 'string' && data.modified !== current.modified)
      throw validationError(
        'TimestampMismatchError',
        'Error: Document has been modified after you have opened it',
      );
    const spec = this.specs[doctype]!;
    const next = this.accept(doctype, data, structuredClone(current));
    this.validate(doctype, next, spec);
    for (const table of Object.keys(spec.tables)) this.adoptChildren(next, table);
    next.modified = this.options.clock.tick();
    this.derive(next);
    this.docs.get(doctype)!.set(name, next);
    this.emit('on_update', next);
    return this.view(next);
  }

  delete(doctype: string, name: string): void {
    const doc = this.docs.get(doctype)?.get(name);
    if (!doc) throw new FrappeException('DoesNotExistError', 404, `${doctype} ${name} not found`);
    this.emit('on_trash', doc);
    this.docs.get(doctype)!.delete(name);
    if (doctype === 'Customer') {
      // erpnext customer.py on_trash: delete_contact_and_address — documents linked to nothing else go with it.
      for (const linked of ['Address', 'Contact']) {
        for (const other of [...this.docs.get(linked)!.values()]) {
          const links = (other.links as ChildRow[]) ?? [];
          const mine = links.filter((l) => l.link_doctype === 'Customer' && l.link_name === name);
          if (mine.length === 0) continue;
          if (mine.length === links.length) this.docs.get(linked)!.delete(other.name);
          else other.links = links.filter((l) => !mine.includes(l));
        }
      }
    } else {
      for (const customer of this.docs.get('Customer')!.values()) {
        if (customer.customer_primary_address === name) customer.customer_primary_address = null;
        if (customer.customer_primary_contact === name) customer.customer_primary_contact = null;
      }
    }
  }

  private emit(event: DocEvent, doc: Doc): void {
    const view = this.view(doc);
    for (const listener of this.listeners) listener(event, view);
  }

  /** Known fields and child tables of the body; everything else is ignored, as Frappe does. */
  private accept(doctype: string, data: Record<string, unknown>, into: Doc): Doc {
    const spec = this.specs[doctype]!;
    for (const [key, value] of Object.entries(data)) {
      if (spec.fields.includes(key)) into[key] = value === '' ? null : value;
      else if (key in spec.tables)
        into[key] = Array.isArray(value) ? value.map((row) => ({ ...(row as object) })) : [];
    }
    return into;
  }

  private validate(doctype: string, doc: Doc, spec: FieldSpec): void {
    for (const [field, label] of spec.mandatory)
      if (doc[field] === undefined || doc[field] === null || doc[field] === '')
        throw validationError('MandatoryError', `Error: Value missing for ${doctype}: ${label}`);
    if (
      doctype === 'Customer' &&
      !['Company', 'Individual', 'Partnership'].includes(String(doc.customer_type))
    )
      throw validationError(
        'ValidationError',
        `Customer Type cannot be "${String(doc.customer_type)}". It should be one of "Company", "Individual", "Partnership"`,
      );
    for (const [field, target] of Object.entries(spec.links)) {
      const value = doc[field];
      if (value === undefined || value === null) continue;
      const exists = masters[target]?.has(String(value)) ?? this.docs.get(target)?.has(String(value));
      if (!exists) throw validationError('LinkValidationError', `Could not find ${target}: ${String(value)}`);
    }
    for (const row of (doc.links as Record<string, unknown>[] | undefined) ?? []) {
      const target = this.docs.get(String(row.link_doctype));
      if (!target?.has(String(row.link_name)))
        throw validationError(
          'LinkValidationError',
          `Could not find ${String(row.link_doctype)}: ${String(row.link_name)}`,
        );
    }
    if (doctype === 'Customer')
      for (const row of (doc.credit_limits as Record<string, unknown>[] | undefined) ?? [])
        if (!row.company)
          throw validationError('MandatoryError', 'Error: Value missing for Customer Credit Limit: Company');
  }

  private adoptChildren(doc: Doc, table: string): void {
    const rows = (doc[table] as Record<string, unknown>[] | undefined) ?? [];
    const childDoctype = this.specs[doc.doctype]!.tables[table]!.doctype;
    const fields = this.specs[doc.doctype]!.tables[table]!.fields;
    doc[table] = rows.map((row, i) => {
      const child: ChildRow = {
        name: typeof row.name === 'string' ? row.name : randomBytes(5).toString('hex'),
        owner: doc.owner,
        creation: doc.creation,
        modified: doc.modified,
        docstatus: 0,
        idx: i + 1,
        parent: doc.name,
        parentfield: table,
        parenttype: doc.doctype,
        doctype: childDoctype,
      };
      for (const f of fields) child[f] = row[f] ?? null;
      if (childDoctype === 'Customer Credit Limit') child.credit_limit = Number(row.credit_limit ?? 0);
      return child;
    });
  }

  private nameFor(doctype: string, doc: Doc): string {
    const taken = this.docs.get(doctype)!;
    if (doctype === 'Customer') {
      if (this.options.customerNaming === 'customer_name') {
        const name = String(doc.customer_name).trim();
        if (taken.has(name))
          throw new FrappeException('DuplicateEntryError', 409, `Customer ${name} already exists`);
        return name;
      }
      this.series += 1;
      return `CUST-${doc.creation.slice(0, 4)}-${String(this.series).padStart(5, '0')}`;
    }
    const base =
      doctype === 'Address'
        ? `${String(doc.address_title ?? doc.address_line1)}-${String(doc.address_type ?? 'Billing')}`
        : [doc.first_name, doc.last_name].filter(Boolean).join(' ') ||
          String(((doc.email_ids as ChildRow[] | undefined) ?? [])[0]?.email_id ?? 'Contact');
    let name = base;
    for (let n = 1; taken.has(name); n++) name = `${base}-${n}`;
    return name;
  }

  /** erpnext customer.py: create_primary_contact / create_primary_address on insert. */
  private customerInsertSideEffects(customer: Doc, data: Record<string, unknown>): void {
    const link = [{ link_doctype: 'Customer', link_name: customer.name }];
    if (data.address_line1) {
      if (!data.city || !data.country) {
        this.docs.get('Customer')!.delete(customer.name);
        throw validationError(
          'ValidationError',
          'Following fields are mandatory to create address: City, Country',
        );
      }
      const address = this.insert('Address', {
        address_title: customer.customer_name,
        address_line1: data.address_line1,
        address_line2: data.address_line2,
        city: data.city,
        state: data.state,
        country: data.country,
        pincode: data.pincode,
        links: link,
      });
      customer.customer_primary_address = address.name;
    }
    if (data.email_id || data.mobile_no) {
      const contact = this.insert('Contact', {
        first_name: customer.customer_name,
        email_ids: data.email_id ? [{ email_id: data.email_id, is_primary: 1 }] : [],
        phone_nos: data.mobile_no ? [{ phone: data.mobile_no, is_primary_mobile_no: 1 }] : [],
        links: link,
      });
      customer.customer_primary_contact = contact.name;
    }
  }

  /** Read-only fields ERPNext computes on save: a Contact's email and phones from its tables, a Customer's fetched ones. */
  private derive(doc: Doc): void {
    if (doc.doctype === 'Contact') {
      const emails = (doc.email_ids as ChildRow[] | undefined) ?? [];
      const phones = (doc.phone_nos as ChildRow[] | undefined) ?? [];
      doc.email_id = (emails.find((e) => e.is_primary) ?? emails[0])?.email_id ?? null;
      doc.phone = phones.find((p) => p.is_primary_phone)?.phone ?? null;
      doc.mobile_no = phones.find((p) => p.is_primary_mobile_no)?.phone ?? null;
      doc.full_name = [doc.first_name, doc.last_name].filter(Boolean).join(' ') || null;
    }
    if (doc.doctype === 'Customer') {
      const contact = doc.customer_primary_contact
        ? this.docs.get('Contact')!.get(String(doc.customer_primary_contact))
        : undefined;
      doc.email_id = contact?.email_id ?? null;
      doc.mobile_no = contact?.mobile_no ?? null;
    }
  }

  private view(doc: Doc): Doc {
    return structuredClone(doc);
  }
}
