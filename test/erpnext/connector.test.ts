import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeServerMessages, errorFromResponse } from '../../src/connectors/erpnext/errors.js';
import {
  addressBody,
  contactBody,
  customerBody,
  fieldsFromRemote,
} from '../../src/sync/erpnext-customers/mapping.js';
import { frappeSignature, signatureMatches } from '../../src/connectors/erpnext/signature.js';
import {
  compareFrappeTimestamps,
  dateToFrappeTimestamp,
  frappeTimestampMinus,
  frappeTimestampToDate,
  normaliseFrappeTimestamp,
} from '../../src/connectors/erpnext/timestamps.js';
import { customerFieldNames, fieldsChecksum, newCustomerFields } from '../../src/customers/fields.js';
import { mergeCustomer } from '../../src/customers/merge.js';
import { pythonJsonDumps } from '../sim/erpnext/python-json.js';

const signed = JSON.parse(
  readFileSync(new URL('../fixtures/erpnext/signed-webhook.json', import.meta.url), 'utf8'),
) as {
  secret: string;
  data: Record<string, unknown>;
  body: string;
  signature: string;
};

describe('ERPNext timestamps', () => {
  it('reads both forms Python writes, with and without microseconds', () => {
    expect(normaliseFrappeTimestamp('2024-06-17 03:24:59')).toBe('2024-06-17 03:24:59.000000');
    expect(normaliseFrappeTimestamp('2024-06-17 03:24:59.612974')).toBe('2024-06-17 03:24:59.612974');
    expect(compareFrappeTimestamps('2024-06-17 03:24:59', '2024-06-17 03:24:59.000000')).toBe(0);
    expect(compareFrappeTimestamps('2024-06-17 03:24:59', '2024-06-17 03:24:59.000001')).toBe(-1);
    expect(() => normaliseFrappeTimestamp('2024-06-17T03:24:59Z')).toThrow(/not an ERPNext timestamp/);
  });

  it('converts naive site-local time to instants, across a DST change', () => {
    expect(frappeTimestampToDate('2024-06-17 03:24:59.612974', 'UTC').toISOString()).toBe(
      '2024-06-17T03:24:59.612Z',
    );
    expect(frappeTimestampToDate('2024-01-15 09:00:00', 'America/New_York').toISOString()).toBe(
      '2024-01-15T14:00:00.000Z',
    );
    expect(frappeTimestampToDate('2024-07-15 09:00:00', 'America/New_York').toISOString()).toBe(
      '2024-07-15T13:00:00.000Z',
    );
    expect(dateToFrappeTimestamp(new Date('2024-07-15T13:00:00.250Z'), 'America/New_York')).toBe(
      '2024-07-15 09:00:00.250000',
    );
  });

  it('steps back by an overlap keeping the microseconds', () => {
    expect(frappeTimestampMinus('2024-06-17 03:25:00.000100', 60_000)).toBe('2024-06-17 03:24:00.000100');
    expect(frappeTimestampMinus('2024-06-17 00:00:00.000100', 1)).toBe('2024-06-16 23:59:59.999100');
  });
});

describe('Frappe webhook signature', () => {
  it('reproduces the bytes and signature CPython computes', () => {
    expect(pythonJsonDumps(signed.data)).toBe(signed.body);
    expect(frappeSignature(signed.secret, signed.body)).toBe(signed.signature);
    expect(signatureMatches(signed.secret, Buffer.from(signed.body), signed.signature)).toBe(true);
  });

  it('refuses a missing, wrong, truncated or re-serialised signature', () => {
    const body = Buffer.from(signed.body);
    expect(signatureMatches(signed.secret, body, undefined)).toBe(false);
    expect(signatureMatches('another-secret', body, signed.signature)).toBe(false);
    expect(signatureMatches(signed.secret, body, signed.signature.slice(0, 20))).toBe(false);
    expect(signatureMatches(signed.secret, Buffer.from(JSON.stringify(signed.data)), signed.signature)).toBe(
      false,
    );
  });
});

describe('ERPNext error envelope', () => {
  it('decodes the doubly encoded _server_messages into what ERPNext said', () => {
    const body = {
      exc_type: 'LinkValidationError',
      _server_messages: JSON.stringify([
        JSON.stringify({ message: 'Could not find <b>Customer Group</b>: Foo', indicator: 'red' }),
      ]),
    };
    const error = errorFromResponse('POST /api/resource/Customer', 417, body, null);
    expect(error.kind).toBe('validation');
    expect(error.transient).toBe(false);
    expect(error.message).toContain('Could not find Customer Group: Foo');
    expect(error.message).toContain('417 LinkValidationError');
    expect(errorFromResponse('GET /x', 429, {}, '7').retryAfter).toBe(7);
    expect(errorFromResponse('GET /x', 503, '<html>', null).transient).toBe(true);
    expect(decodeServerMessages('not json')).toEqual([]);
  });
});

describe('customer mapping', () => {
  const settings = { company: 'Acme Supplies', vatField: 'custom_vat_number' };
  const local = {
    ...newCustomerFields(
      {
        name: 'Northwind Traders',
        companyName: 'Northwind Traders LLC',
        contactPerson: 'Ana Trujillo',
        email: 'ap@northwind.example',
        phone: '+1 555 0100',
        address: '12 Harbour Rd',
        city: 'Portland',
        state: 'OR',
        postalCode: '97201',
        website: 'https://northwind.example',
        taxNumber: 'TX-1',
        vatNumber: 'US-VAT-9',
        creditLimit: '2500.00',
      },
      'United States',
    ),
  };

  it('never sends fields that do not exist on Customer to the Customer', () => {
    const body = customerBody(local, settings);
    for (const foreign of [
      'address_line1',
      'city',
      'state',
      'pincode',
      'country',
      'phone',
      'email',
      'email_id',
      'mobile_no',
      'company_name',
      'vat_number',
    ])
      expect(body).not.toHaveProperty(foreign);
    expect(body).toMatchObject({
      customer_name: 'Northwind Traders',
      tax_id: 'TX-1',
      custom_vat_number: 'US-VAT-9',
      credit_limits: [{ company: 'Acme Supplies', credit_limit: 2500 }],
      disabled: 0,
    });
    expect(addressBody(local, 'CUST-1')).toMatchObject({
      address_line1: '12 Harbour Rd',
      city: 'Portland',
      pincode: '97201',
      country: 'United States',
      links: [{ link_doctype: 'Customer', link_name: 'CUST-1' }],
    });
    expect(contactBody(local, 'CUST-1')).toMatchObject({
      first_name: 'Ana Trujillo',
      company_name: 'Northwind Traders LLC',
      email_ids: [{ email_id: 'ap@northwind.example', is_primary: 1 }],
    });
  });

  it('leaves the credit limit and VAT number local when no company or VAT field is configured', () => {
    const body = customerBody(local, {});
    expect(body).not.toHaveProperty('credit_limits');
    expect(
      Object.keys(
        fieldsFromRemote(
          {
            customer: { name: 'C', customer_name: 'C', modified: '2026-01-01 00:00:00' },
            address: null,
            contact: null,
          },
          {},
        ),
      ),
    ).not.toContain('vatNumber');
  });
});

describe('three-way merge', () => {
  const at = (s: string) => new Date(s);
  const base = { name: 'A', phone: '1', city: 'X', website: 'w0' };

  it('merges fields changed on one side and settles a field changed on both by the newer change', () => {
    const result = mergeCustomer({
      fields: ['name', 'phone', 'city', 'website'],
      base,
      local: { ...base, phone: '2', website: 'w-local' },
      remote: { ...base, city: 'Y', website: 'w-remote' },
      policy: 'newer-wins',
      localChangedAt: at('2026-01-01T10:00:00Z'),
      remoteChangedAt: at('2026-01-01T11:00:00Z'),
    });
    expect(result.merged).toEqual({ name: 'A', phone: '2', city: 'Y', website: 'w-remote' });
    expect(result.conflicts).toEqual([
      { field: 'website', base: 'w0', local: 'w-local', remote: 'w-remote', kept: 'remote' },
    ]);
  });

  it('follows the configured policy', () => {
    const input = {
      fields: ['website'] as const,
      base,
      local: { website: 'l' },
      remote: { website: 'r' },
      localChangedAt: at('2026-01-01T10:00:00Z'),
      remoteChangedAt: at('2026-01-01T11:00:00Z'),
    };
    expect(mergeCustomer({ ...input, policy: 'local-wins' }).merged.website).toBe('l');
    expect(mergeCustomer({ ...input, policy: 'remote-wins' }).merged.website).toBe('r');
  });

  it('never reports a conflict when one side did not change, and always keeps a one-sided change', () => {
    const value = fc.constantFrom(null, 'a', 'b', 'c');
    fc.assert(
      fc.property(value, value, value, (b, l, r) => {
        const { merged, conflicts } = mergeCustomer({
          fields: ['city'],
          base: { city: b },
          local: { city: l },
          remote: { city: r },
          policy: 'newer-wins',
          localChangedAt: at('2026-01-01T10:00:00Z'),
          remoteChangedAt: at('2026-01-01T11:00:00Z'),
        });
        if (l === b) expect(merged.city).toBe(r);
        if (r === b) expect(merged.city).toBe(l);
        expect(conflicts.length).toBe(l !== b && r !== b && l !== r ? 1 : 0);
      }),
    );
  });

  it('checksums are stable and change with any field', () => {
    const fields = newCustomerFields({ name: 'A' }, 'United States');
    expect(fieldsChecksum(fields, customerFieldNames)).toBe(
      fieldsChecksum({ ...fields }, customerFieldNames),
    );
    expect(fieldsChecksum({ ...fields, phone: '1' }, customerFieldNames)).not.toBe(
      fieldsChecksum(fields, customerFieldNames),
    );
  });
});
