/**
 * Customers in ERPNext with their Address and Contact: reading them a page at a time (a handful of batched requests
 * per page, never one per customer) and writing one. The primary Address and Contact are taken from the Customer's
 * `customer_primary_*` links, or found through the Dynamic Link child table when a person linked them by hand. What
 * the documents mean to us is the flow's mapping; here they are only ERPNext's documents.
 */
import { z } from 'zod';
import type { CallOptions, ErpNextClient } from './client.js';
import { ErpNextError } from './errors.js';
import {
  addressDoc,
  contactDoc,
  customerDoc,
  frappeTimestamp,
  type AddressDoc,
  type ContactDoc,
  type CustomerDoc,
} from './schemas.js';

const customerListFields = [
  'name',
  'customer_name',
  'customer_type',
  'customer_group',
  'territory',
  'website',
  'tax_id',
  'language',
  'disabled',
  'customer_primary_address',
  'customer_primary_contact',
  'modified',
];
const addressListFields = [
  'name',
  'address_line1',
  'address_line2',
  'city',
  'state',
  'pincode',
  'country',
  'modified',
];
const contactListFields = [
  'name',
  'first_name',
  'last_name',
  'company_name',
  'email_id',
  'phone',
  'mobile_no',
  'modified',
];

/** Names per `in` filter, so the query string stays well under common URL limits. */
const namesPerQuery = 100;

const creditLimitRow = z.object({
  parent: z.string(),
  company: z.string(),
  credit_limit: z.union([z.number(), z.string()]).nullish(),
});
const linkRow = z.object({ parent: z.string(), link_name: z.string() });
const changedRow = z.object({ name: z.string(), modified: frappeTimestamp });
const nameRow = z.object({ name: z.string() });

/** A customer as ERPNext holds it: the Customer and its primary Address and Contact (when it has them). */
export interface RemoteCustomer {
  customer: CustomerDoc;
  address: AddressDoc | null;
  contact: ContactDoc | null;
}

/** The names ERPNext knows a synced customer by. */
export interface RemoteNames {
  erpnextName: string | null;
  addressName: string | null;
  contactName: string | null;
}

/**
 * The documents of one customer to write. The Address and Contact link to the Customer by its name, which ERPNext
 * gives only when the Customer is created, so they are built from it; null means the customer has none (an existing
 * one is deleted).
 */
export interface CustomerDocuments {
  customer: Record<string, unknown>;
  address: ((customerName: string) => Record<string, unknown>) | null;
  contact: ((customerName: string) => Record<string, unknown>) | null;
}

/** What this site's Customers carry beyond ERPNext's standard fields. */
export interface CustomerReadOptions {
  /** Custom fields to read with every Customer (e.g. a VAT number field). */
  customFields: string[];
  /** Read the `credit_limits` child table (one row per company). */
  creditLimits: boolean;
}

export class ErpNextCustomers {
  constructor(
    private readonly client: ErpNextClient,
    private readonly options: CustomerReadOptions,
  ) {}

  /** Customers with `modified` >= since, oldest first, ties by name: the order a keyset cursor needs. */
  async readChangedSince(
    since: string | null,
    page: { limitStart: number; pageSize: number },
    options: CallOptions = {},
  ): Promise<RemoteCustomer[]> {
    const rows = await this.client.list(
      'Customer',
      {
        fields: this.customerFields(),
        filters: since ? [['modified', '>=', since]] : [],
        orderBy: 'modified asc, name asc',
        limitStart: page.limitStart,
        limitPageLength: page.pageSize,
      },
      customerDoc,
      options,
    );
    return this.withRelated(rows, true, options);
  }

  /** Customers by name, with Address, Contact and credit limits (names ERPNext no longer has are left out). */
  async readByNames(names: string[], options: CallOptions = {}): Promise<RemoteCustomer[]> {
    const out: RemoteCustomer[] = [];
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += namesPerQuery) {
      const chunk = unique.slice(i, i + namesPerQuery);
      const rows = await this.client.list(
        'Customer',
        { fields: this.customerFields(), filters: [['name', 'in', chunk]], limitPageLength: chunk.length },
        customerDoc,
        options,
      );
      out.push(...(await this.withRelated(rows, true, options)));
    }
    return out;
  }

  /**
   * Addresses or Contacts changed since `since`, in keyset order, each with the customers it is linked to: a person
   * editing an Address in ERPNext changes the Address's `modified`, not the Customer's.
   */
  async readLinkedChangesSince(
    doctype: 'Address' | 'Contact',
    since: string | null,
    page: { limitStart: number; pageSize: number },
    options: CallOptions = {},
  ): Promise<{ name: string; modified: string; customers: string[] }[]> {
    const rows = await this.client.list(
      doctype,
      {
        fields: ['name', 'modified'],
        filters: since ? [['modified', '>=', since]] : [],
        orderBy: 'modified asc, name asc',
        limitStart: page.limitStart,
        limitPageLength: page.pageSize,
      },
      changedRow,
      options,
    );
    const links = await this.childRows(
      'Dynamic Link',
      doctype,
      'parent',
      rows.map((r) => r.name),
      linkRow,
      ['parent', 'link_name'],
      options,
      [['link_doctype', '=', 'Customer']],
    );
    return rows.map((r) => ({
      ...r,
      customers: links.filter((l) => l.parent === r.name).map((l) => l.link_name),
    }));
  }

  /** The newest `modified` of a doctype: where following its changes starts after a full read. */
  async latestModified(doctype: 'Address' | 'Contact', options: CallOptions = {}): Promise<string | null> {
    const [row] = await this.client.list(
      doctype,
      { fields: ['name', 'modified'], orderBy: 'modified desc', limitPageLength: 1 },
      changedRow,
      options,
    );
    return row?.modified ?? null;
  }

  /** The customers an Address or Contact is linked to; none when it no longer exists. */
  async customersLinkedTo(
    doctype: 'Address' | 'Contact',
    name: string,
    options: CallOptions = {},
  ): Promise<string[]> {
    try {
      const doc = await this.client.get(
        doctype,
        name,
        doctype === 'Address' ? addressDoc : contactDoc,
        options,
      );
      return (doc.links ?? []).filter((l) => l.link_doctype === 'Customer').map((l) => l.link_name);
    } catch (error) {
      if (error instanceof ErpNextError && error.kind === 'not-found') return [];
      throw error;
    }
  }

  private customerFields(): string[] {
    return [...customerListFields, ...this.options.customFields];
  }

  /** One customer as ERPNext has it now; null when it does not exist (deleted). */
  async read(name: string, options: CallOptions = {}): Promise<RemoteCustomer | null> {
    try {
      const doc = await this.client.get('Customer', name, customerDoc, options);
      const [remote] = await this.withRelated([doc], false, options);
      return remote!;
    } catch (error) {
      if (error instanceof ErpNextError && error.kind === 'not-found') return null;
      throw error;
    }
  }

  /**
   * The Customers named `customerName` created at or after `since` (site time), oldest first: what an insert whose
   * reply never came may have left behind.
   */
  async findCreated(customerName: string, since: string, options: CallOptions = {}): Promise<string[]> {
    const rows = await this.client.list(
      'Customer',
      {
        fields: ['name'],
        filters: [
          ['customer_name', '=', customerName],
          ['creation', '>=', since],
        ],
        orderBy: 'creation asc, name asc',
        limitPageLength: 20,
      },
      nameRow,
      options,
    );
    return rows.map((r) => r.name);
  }

  /**
   * Creates or updates the customer and its Address and Contact. `onCreated` runs as soon as the Customer exists, so
   * its name is saved before anything else can fail and a retry updates it instead of creating a duplicate.
   */
  async write(
    documents: CustomerDocuments,
    known: RemoteNames,
    onCreated: (erpnextName: string) => Promise<void>,
    options: CallOptions = {},
  ): Promise<{ remote: RemoteCustomer; names: RemoteNames }> {
    const body = documents.customer;
    let customer: CustomerDoc;
    if (known.erpnextName) {
      customer = await this.client.update('Customer', known.erpnextName, body, customerDoc, options);
    } else {
      customer = await this.client.insert('Customer', body, customerDoc, options);
      await onCreated(customer.name);
    }
    const address = await this.writeLinked(
      'Address',
      documents.address?.(customer.name) ?? null,
      known.addressName ?? customer.customer_primary_address ?? null,
      addressDoc,
      options,
    );
    const contact = await this.writeLinked(
      'Contact',
      documents.contact?.(customer.name) ?? null,
      known.contactName ?? customer.customer_primary_contact ?? null,
      contactDoc,
      options,
    );
    const primaryAddress = address?.name ?? null;
    const primaryContact = contact?.name ?? null;
    if (
      (customer.customer_primary_address ?? null) !== primaryAddress ||
      (customer.customer_primary_contact ?? null) !== primaryContact
    ) {
      customer = await this.client.update(
        'Customer',
        customer.name,
        { customer_primary_address: primaryAddress, customer_primary_contact: primaryContact },
        customerDoc,
        options,
      );
    }
    return {
      remote: { customer, address, contact },
      names: { erpnextName: customer.name, addressName: primaryAddress, contactName: primaryContact },
    };
  }

  private async writeLinked<T>(
    doctype: 'Address' | 'Contact',
    body: Record<string, unknown> | null,
    existing: string | null,
    schema: z.ZodType<T>,
    options: CallOptions,
  ): Promise<T | null> {
    if (body === null) {
      if (existing) await this.client.delete(doctype, existing, options).catch(ignoreNotFound);
      return null;
    }
    if (existing) {
      try {
        return await this.client.update(doctype, existing, body, schema, options);
      } catch (error) {
        // Deleted by a person in ERPNext: the customer still has these details, so they get a new document.
        if (!(error instanceof ErpNextError && error.kind === 'not-found')) throw error;
      }
    }
    return this.client.insert(doctype, body, schema, options);
  }

  private async withRelated(
    rows: CustomerDoc[],
    needCreditLimits: boolean,
    options: CallOptions,
  ): Promise<RemoteCustomer[]> {
    if (rows.length === 0) return [];
    const names = rows.map((r) => r.name);
    if (needCreditLimits && this.options.creditLimits) {
      const limits = await this.childRows(
        'Customer Credit Limit',
        'Customer',
        'parent',
        names,
        creditLimitRow,
        ['parent', 'company', 'credit_limit'],
        options,
      );
      for (const row of rows) row.credit_limits = limits.filter((l) => l.parent === row.name);
    }
    const addressOf = await this.primaryLinks(rows, 'Address', (r) => r.customer_primary_address, options);
    const contactOf = await this.primaryLinks(rows, 'Contact', (r) => r.customer_primary_contact, options);
    const addresses = await this.byNames(
      'Address',
      [...addressOf.values()],
      addressListFields,
      addressDoc,
      options,
    );
    const contacts = await this.byNames(
      'Contact',
      [...contactOf.values()],
      contactListFields,
      contactDoc,
      options,
    );
    return rows.map((customer) => ({
      customer,
      address: addresses.get(addressOf.get(customer.name) ?? '') ?? null,
      contact: contacts.get(contactOf.get(customer.name) ?? '') ?? null,
    }));
  }

  /** Customer name → the name of its primary Address/Contact, found by Dynamic Link when the Customer has none set. */
  private async primaryLinks(
    rows: CustomerDoc[],
    doctype: 'Address' | 'Contact',
    primary: (row: CustomerDoc) => string | null | undefined,
    options: CallOptions,
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: string[] = [];
    for (const row of rows) {
      const name = primary(row);
      if (name) out.set(row.name, name);
      else missing.push(row.name);
    }
    if (missing.length > 0) {
      const links = await this.childRows(
        'Dynamic Link',
        doctype,
        'link_name',
        missing,
        linkRow,
        ['parent', 'link_name'],
        options,
        [['link_doctype', '=', 'Customer']],
      );
      for (const link of links.sort((a, b) => a.parent.localeCompare(b.parent)))
        if (!out.has(link.link_name)) out.set(link.link_name, link.parent);
    }
    return out;
  }

  private async childRows<T>(
    doctype: string,
    parent: string,
    keyField: string,
    keys: string[],
    schema: z.ZodType<T>,
    fields: string[],
    options: CallOptions,
    extraFilters: unknown[] = [],
  ): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < keys.length; i += namesPerQuery) {
      const chunk = keys.slice(i, i + namesPerQuery);
      out.push(
        ...(await this.client.list(
          doctype,
          { fields, parent, filters: [...extraFilters, [keyField, 'in', chunk]], limitPageLength: 0 },
          schema,
          options,
        )),
      );
    }
    return out;
  }

  private async byNames<T extends { name: string }>(
    doctype: string,
    names: string[],
    fields: string[],
    schema: z.ZodType<T>,
    options: CallOptions,
  ): Promise<Map<string, T>> {
    const unique = [...new Set(names)];
    const out = new Map<string, T>();
    for (let i = 0; i < unique.length; i += namesPerQuery) {
      const chunk = unique.slice(i, i + namesPerQuery);
      const docs = await this.client.list(
        doctype,
        { fields, filters: [['name', 'in', chunk]], limitPageLength: chunk.length },
        schema,
        options,
      );
      for (const doc of docs) out.set(doc.name, doc);
    }
    return out;
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof ErpNextError && error.kind === 'not-found')) throw error;
}
