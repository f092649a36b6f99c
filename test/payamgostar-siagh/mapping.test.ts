import { describe, expect, it } from 'vitest';
import type { CrmIdentity } from '../../src/connectors/payamgostar/client.js';
import { personSchema, quoteSchema } from '../../src/connectors/payamgostar/schemas.js';
import { siaghContact } from '../../src/connectors/siagh/schemas.js';
import { canonicalJson, changedFields, checksumOf } from '../../src/sync/payamgostar-siagh/checksum.js';
import {
  crmInputFromSiagh,
  crmStateOf,
  crmStateOfInput,
  crmUpdateInput,
  siaghInputFromCrm,
  siaghStateOfContact,
  siaghStateOfInput,
} from '../../src/sync/payamgostar-siagh/customer-mapping.js';
import {
  classifyChange,
  sameRendering,
  type GuardedMapping,
} from '../../src/sync/payamgostar-siagh/loop-guard.js';
import { preInvoiceFromQuote, saleModelOf } from '../../src/sync/payamgostar-siagh/quote-mapping.js';

const format = { prefix: '100-', offset: 1000 };

const contact = siaghContact.parse({
  RecordId: 'r-234',
  Code: 234,
  Name: ' شرکت گاز نوین ',
  NickName: null,
  tmpid: '50234',
  NationalCode: '10100001638',
  MobileNo: '09120000234',
  TelNo: '02188776655',
  Email: 'info@gaz.example.ir',
  Address: 'تهران، خیابان ولیعصر',
  PostalCode: '1234567890',
  WebSiteAddress: '',
  Description: null,
  IsActive: true,
  IsAdminUser: false,
  TowardType: true,
  RegDate: '1402/05/01',
});

/** What the CRM answers for a record created from `input`, as the simulator stores it. */
function asRead(kind: 'person' | 'organization', fields: object): CrmIdentity {
  const input = fields as Record<string, unknown>;
  const record = personSchema.parse({
    crmId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    crmObjectTypeCode: kind,
    ...input,
    phoneContacts: ((input.phoneContacts as object[] | undefined) ?? []).map((p) => ({
      id: 'x',
      extension: null,
      ...p,
    })),
    addressContacts: ((input.addressContacts as object[] | undefined) ?? []).map((a) => ({
      country: null,
      state: null,
      city: null,
      ...a,
    })),
  });
  return { kind, record } as CrmIdentity;
}

describe('checksums', () => {
  it('are the SHA-256 of key-sorted JSON: field order does not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(checksumOf({ a: 1, b: 2 })).toBe(checksumOf({ b: 2, a: 1 }));
    expect(checksumOf({ a: 1, b: 2 })).not.toBe(checksumOf({ a: 1, b: 3 }));
    expect(checksumOf({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
    expect(changedFields({ a: 1, b: 'x', c: null }, { a: 1, b: 'y', d: 2 })).toEqual(['b', 'd']);
  });
});

describe('customer mapping', () => {
  it('imports a Siagh contact as a CRM customer with the customer number made from its Code', () => {
    const { kind, input } = crmInputFromSiagh(contact, format);
    expect(kind).toBe('organization');
    expect(input).toEqual({
      nickName: 'شرکت گاز نوین',
      customerNumber: '100-1234',
      refId: '50234',
      nationalCode: '10100001638',
      email: 'info@gaz.example.ir',
      phoneContacts: [
        { phoneType: 'Mobile', phoneNumber: '09120000234', default: true },
        { phoneType: 'Office', phoneNumber: '02188776655', default: false },
      ],
      addressContacts: [{ default: true, address: 'تهران، خیابان ولیعصر', zipCode: '1234567890' }],
    });
  });

  it('maps an imported customer back to the same Siagh state, so its echo sends nothing', () => {
    const imported = crmInputFromSiagh(contact, format);
    const read = asRead(imported.kind, imported.input);
    expect(checksumOf(crmStateOf(read))).toBe(checksumOf(crmStateOfInput(imported)));
    const back = siaghInputFromCrm(read);
    expect(siaghStateOfInput(back)).toEqual(siaghStateOfContact(contact));
    expect(back).toMatchObject({ kind: 'organization', tmpId: '50234', fullName: 'شرکت گاز نوین' });
  });

  it('sends what the CRM left empty as empty (the CRM wins), but never clears tmpid it does not know', () => {
    const read = asRead('person', { nickName: 'علی رضایی', firstName: 'علی', lastName: 'رضایی' });
    expect(siaghInputFromCrm(read)).toEqual({
      fullName: 'علی رضایی',
      kind: 'person',
      mobile: null,
      phone: null,
      email: null,
      nationalCode: null,
      address: null,
      postalCode: null,
      website: null,
      description: null,
    });
    const unnamed = asRead('person', { nickName: null, firstName: 'مریم', lastName: 'کریمی' });
    expect(siaghInputFromCrm(unnamed).fullName).toBe('مریم کریمی');
  });

  it('takes the default mobile and the first other number, whatever the list order', () => {
    const read = asRead('person', {
      nickName: 'سارا',
      phoneContacts: [
        { phoneType: 'Office', phoneNumber: '02100000001', default: false },
        { phoneType: 'Mobile', phoneNumber: '09120000001', default: false },
        { phoneType: 'Mobile', phoneNumber: '09120000002', default: true },
      ],
    });
    expect(siaghInputFromCrm(read)).toMatchObject({ mobile: '09120000002', phone: '02100000001' });
  });

  it('writes the customer number back with every other field of the record as it is', () => {
    const read = asRead('person', {
      nickName: 'رضا',
      email: 'r@example.ir',
      phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '0912', default: true }],
    });
    const update = crmUpdateInput(read, { customerNumber: '100-1051' });
    expect(update.input).toMatchObject({
      nickName: 'رضا',
      email: 'r@example.ir',
      customerNumber: '100-1051',
      phoneContacts: [{ phoneType: 'Mobile', phoneNumber: '0912', default: true }],
    });
    expect(crmStateOfInput(update)).toEqual({ ...crmStateOf(read), customerNumber: '100-1051' });
  });
});

describe('quote → pre-invoice', () => {
  const quote = quoteSchema.parse({
    crmId: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
    number: '1001',
    subject: 'شیر گاز',
    identityId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    crmObjectTypeCode: 'PI_5',
    details: [
      {
        productCode: '500102014',
        productUnitTypeName: 'عدد',
        count: 2,
        baseUnitPrice: 2_500_000,
        totalDiscount: 100_000,
      },
      { productCode: 'Product-1', productUnitTypeName: 'قطعه', count: 1, baseUnitPrice: 720_000 },
    ],
  });

  it('takes the sale model from the quote type and one line per quote line', () => {
    expect(saleModelOf('PI_5')).toBe(5);
    expect(saleModelOf('pi_12')).toBe(12);
    expect(saleModelOf('Quote')).toBeUndefined();
    expect(saleModelOf('PI_0')).toBeUndefined();
    expect(preInvoiceFromQuote(quote, 3)).toEqual({
      ok: true,
      draft: {
        saleModel: 5,
        salesCenter: 3,
        description: 'CRM quote 1001 — شیر گاز',
        lines: [
          {
            itemCode: '500102014',
            unitName: 'عدد',
            quantity: 2,
            unitPrice: 2_500_000,
            discountAmount: 100_000,
          },
          { itemCode: 'Product-1', unitName: 'قطعه', quantity: 1, unitPrice: 720_000, discountAmount: 0 },
        ],
      },
    });
  });

  it('holds a quote it cannot map faithfully, saying why', () => {
    expect(preInvoiceFromQuote({ ...quote, crmObjectTypeCode: 'Quote' })).toEqual({
      ok: false,
      reason: 'its type "Quote" is not PI_<sale model>, so Siagh\'s sale model cannot be chosen',
    });
    const bad = preInvoiceFromQuote({
      ...quote,
      details: [
        { ...quote.details[0]!, productCode: undefined, productName: 'بدون کد' },
        { ...quote.details[1]!, count: 0 },
      ],
    });
    expect(bad).toEqual({
      ok: false,
      reason:
        "line 1 (بدون کد) has no product code, which is Siagh's item code; line 2 has quantity 0; Siagh takes only positive ones",
    });
    expect(preInvoiceFromQuote({ ...quote, details: [] })).toEqual({ ok: false, reason: 'it has no lines' });
  });
});

describe('loop guard', () => {
  const state = { kind: 'person', nickName: 'علی', customerNumber: '100-1001' };
  const base: GuardedMapping = {
    crmChecksum: checksumOf(state),
    crmState: state,
    siaghChecksum: null,
    siaghState: null,
    lastSyncTransactionId: 'tx-1',
    pendingTransactionId: null,
    pendingTarget: null,
    pendingChecksum: null,
    crmWrittenAt: new Date('2026-01-01T10:00:00Z'),
    crmWrittenFields: ['customerNumber'],
    siaghWrittenAt: null,
    siaghWrittenFields: null,
  };
  const at = (seconds: number) => new Date(Date.parse('2026-01-01T10:00:00Z') + seconds * 1000);
  const read = (s: object) => ({ state: s, checksum: checksumOf(s) });

  it("layer 1: the state a write in flight leaves is that transaction's echo", () => {
    const next = { ...state, customerNumber: '100-1002' };
    const mapping = {
      ...base,
      pendingTransactionId: 'tx-2',
      pendingTarget: 'crm',
      pendingChecksum: checksumOf(next),
    };
    expect(classifyChange('crm', read(next), mapping, at(1), 10_000)).toEqual({
      kind: 'echo-in-flight',
      transactionId: 'tx-2',
    });
    expect(classifyChange('siagh', read(next), mapping, at(1), 10_000).kind).toBe('changed');
  });

  it('layer 2: the last synced checksum is no change, an echo of ours within the window', () => {
    expect(classifyChange('crm', read(state), base, at(5), 10_000)).toEqual({
      kind: 'unchanged',
      echoOf: 'tx-1',
    });
    expect(classifyChange('crm', read(state), base, at(60), 10_000)).toEqual({ kind: 'unchanged' });
  });

  it('layer 3: within the window a field we wrote, reading as the same value written otherwise, is our echo', () => {
    const rendered = { ...state, customerNumber: '۱۰۰-۱۰۰۱' };
    expect(classifyChange('crm', read(rendered), base, at(5), 10_000)).toEqual({
      kind: 'echo-gated',
      transactionId: 'tx-1',
      fields: ['customerNumber'],
    });
    expect(classifyChange('crm', read(rendered), base, at(11), 10_000)).toEqual({
      kind: 'changed',
      fields: ['customerNumber'],
    });
    // Another value of a field we wrote, or any change of a field we did not write, is a person's edit.
    const renumbered = { ...state, customerNumber: '100-1002' };
    expect(classifyChange('crm', read(renumbered), base, at(1), 10_000).kind).toBe('changed');
    const respelled = { ...state, nickName: 'علي' };
    expect(classifyChange('crm', read(respelled), base, at(1), 10_000).kind).toBe('changed');
    const everything = { ...base, crmWrittenFields: ['*'] };
    expect(classifyChange('crm', read(respelled), everything, at(1), 10_000).kind).toBe('echo-gated');
    expect(classifyChange('crm', read({ ...state, nickName: 'رضا' }), everything, at(1), 10_000).kind).toBe(
      'changed',
    );
    expect(sameRendering(' 0912 345-6789', '۰۹۱۲۳۴۵۶۷۸۹')).toBe(true);
    expect(sameRendering('A@Example.ir', 'a@example.ir')).toBe(true);
    expect(sameRendering('0912', '0913')).toBe(false);
  });
});
