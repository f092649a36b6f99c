/**
 * The simulated CRM's records: persons and organizations (the CRM's "identities") in creation order, and sales quotes
 * with their lines and totals. Every insert or update, by the API or by a salesperson in the simulated UI, is handed
 * to `changed` — the CRM's webhook fires for both, which is why a two-way sync needs loop prevention.
 */
import type { CrmClock } from './clock.js';

export type IdentityKind = 'person' | 'organization';
/** Fields of a person or organization as the API's create and update accept them. */
export type IdentityFields = Record<string, unknown>;
export type CrmRecord = Record<string, unknown>;

export interface CrmChange {
  event: 'Insert' | 'Update';
  type: 'Identity' | 'Quote';
  id: string;
  /** The tenant's name of the record's type, in Persian. */
  subtype: string;
}

export interface TypeNames {
  person: string;
  organization: string;
  /** Names of quote types by sale model: PI_5 → typeNames.quote(5). */
  quote: (saleModel: number) => string;
}

export interface QuoteLineInput {
  productCode: string;
  productName?: string;
  /** The unit's name: "عدد", "قطعه", "کیلوگرم". */
  unit?: string;
  count: number;
  unitPrice: number;
  /** Discount amount of the whole line. */
  discount?: number;
  isService?: boolean;
}

export interface QuoteInput {
  identityId: string;
  /** The quote type is PI_<saleModel>. */
  saleModel?: number;
  subject?: string;
  description?: string;
  vatPercent?: number;
  lines: QuoteLineInput[];
}

/** A request the CRM refuses as invalid (400). */
export class CrmRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const textFields = [
  'refId',
  'nickName',
  'nationalCode',
  'economicCode',
  'email',
  'alternativeEmail',
  'website',
  'description',
  'customerNumber',
  'subject',
];
const kindFields: Record<IdentityKind, string[]> = {
  person: ['firstName', 'lastName', 'birthDate', 'gender'],
  organization: ['registerNumber', 'registerDate', 'businessType'],
};

export class SimulatedCrm {
  private readonly identities = new Map<string, { kind: IdentityKind; record: CrmRecord }>();
  private readonly quotes = new Map<string, CrmRecord>();
  private nextQuoteNumber = 1001;

  constructor(
    private readonly random: () => number,
    private readonly clock: CrmClock,
    private readonly typeNames: TypeNames,
    private readonly changed: (change: CrmChange) => void,
    private readonly userId: string,
  ) {}

  /** A version-4 GUID drawn from the seeded generator, so a seed gives the same ids every run. */
  guid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.random() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  createIdentity(kind: IdentityKind, fields: IdentityFields): CrmRecord {
    const nickName = fields.nickName;
    if (typeof nickName !== 'string' || nickName.trim() === '')
      throw new CrmRequestError(400, 'NickName is required');
    const now = this.clock.wallClock();
    const record: CrmRecord = {
      crmId: this.guid(),
      crmObjectTypeCode: kind,
      crmObjectTypeName: this.typeNames[kind],
      identityTypeName: kind === 'person' ? 'حقیقی' : 'حقوقی',
      ...Object.fromEntries([...textFields, ...kindFields[kind]].map((f) => [f, null])),
      customerDate: null,
      phoneContacts: [],
      addressContacts: [],
      categories: [],
      tags: [],
      extendedProperties: [],
      stageId: null,
      creatorId: this.userId,
      modifierId: this.userId,
      creatDate: now,
      modifyDate: now,
    };
    this.apply(kind, record, fields);
    this.identities.set(record.crmId as string, { kind, record });
    this.changed({
      event: 'Insert',
      type: 'Identity',
      id: record.crmId as string,
      subtype: this.typeNames[kind],
    });
    return structuredClone(record);
  }

  /** Fields present replace the stored ones; fields left out are kept. `kind` given: the record must be of it. */
  updateIdentity(id: string, fields: IdentityFields, kind?: IdentityKind): CrmRecord {
    const found = this.identities.get(id.toLowerCase());
    if (!found || (kind && found.kind !== kind))
      throw new CrmRequestError(404, `No ${kind ?? 'identity'} with id ${id}`);
    if ('nickName' in fields && (typeof fields.nickName !== 'string' || fields.nickName.trim() === ''))
      throw new CrmRequestError(400, 'NickName is required');
    this.apply(found.kind, found.record, fields);
    found.record.modifyDate = this.clock.wallClock();
    found.record.modifierId = this.userId;
    this.changed({
      event: 'Update',
      type: 'Identity',
      id: found.record.crmId as string,
      subtype: this.typeNames[found.kind],
    });
    return structuredClone(found.record);
  }

  identity(id: string): { kind: IdentityKind; record: CrmRecord } | undefined {
    const found = this.identities.get(id.toLowerCase());
    return found && { kind: found.kind, record: structuredClone(found.record) };
  }

  /** In creation order, so rows added while a client pages through land after the pages it has read. */
  listIdentities(
    filter: { kind?: IdentityKind; searchTerm?: string; customersOnly?: boolean } = {},
  ): CrmRecord[] {
    const term = filter.searchTerm?.trim().toLowerCase() ?? '';
    return [...this.identities.values()]
      .filter(({ kind }) => !filter.kind || kind === filter.kind)
      .filter(({ record }) => !filter.customersOnly || Boolean(record.customerNumber))
      .filter(
        ({ record }) =>
          term === '' ||
          [record.nickName, record.customerNumber].some(
            (v) => typeof v === 'string' && v.toLowerCase().includes(term),
          ),
      )
      .map(({ record }) => record);
  }

  createQuote(input: QuoteInput): CrmRecord {
    if (!this.identities.has(input.identityId.toLowerCase()))
      throw new CrmRequestError(400, `No identity with id ${input.identityId}`);
    const saleModel = input.saleModel ?? 1;
    const now = this.clock.now();
    const record: CrmRecord = {
      crmId: this.guid(),
      number: String(this.nextQuoteNumber++),
      subject: input.subject ?? null,
      description: input.description ?? null,
      refId: null,
      identityId: input.identityId.toLowerCase(),
      identityIdPreview: this.identities.get(input.identityId.toLowerCase())!.record.nickName,
      crmObjectTypeCode: `PI_${saleModel}`,
      crmObjectTypeName: this.typeNames.quote(saleModel),
      crmObjectTypeIndex: saleModel,
      quoteType: 'Quote',
      priceListName: 'لیست قیمت پایه',
      billableObjectState: null,
      billableObjectStateIndex: 0,
      stageId: null,
      creatorId: this.userId,
      modifierId: this.userId,
      assignedToId: this.userId,
      extendedProperties: [],
      tags: [],
      processLifePaths: [],
      color: null,
      quoteDate: this.clock.wallClock(now),
      expireDate: this.clock.wallClock(now + 30 * 86_400_000),
      creatDate: this.clock.wallClock(now),
      modifyDate: this.clock.wallClock(now),
      additionalCosts: null,
      ...this.priced(input.lines, input.vatPercent ?? 10),
    };
    this.quotes.set(record.crmId as string, record);
    this.changed({
      event: 'Insert',
      type: 'Quote',
      id: record.crmId as string,
      subtype: this.typeNames.quote(saleModel),
    });
    return structuredClone(record);
  }

  /** A salesperson edits a quote: its subject, description, or its lines (totals recomputed). */
  updateQuote(id: string, change: Partial<Omit<QuoteInput, 'identityId' | 'saleModel'>>): CrmRecord {
    const record = this.quotes.get(id.toLowerCase());
    if (!record) throw new CrmRequestError(404, `No quote with id ${id}`);
    if (change.subject !== undefined) record.subject = change.subject;
    if (change.description !== undefined) record.description = change.description;
    if (change.lines)
      Object.assign(record, this.priced(change.lines, change.vatPercent ?? (record.vatPercent as number)));
    record.modifyDate = this.clock.wallClock();
    this.changed({
      event: 'Update',
      type: 'Quote',
      id: record.crmId as string,
      subtype: record.crmObjectTypeName as string,
    });
    return structuredClone(record);
  }

  quote(id: string): CrmRecord | undefined {
    const record = this.quotes.get(id.toLowerCase());
    return record && structuredClone(record);
  }

  private apply(kind: IdentityKind, record: CrmRecord, fields: IdentityFields): void {
    for (const field of [...textFields, ...kindFields[kind], 'crmObjectTypeCode']) {
      if (!(field in fields)) continue;
      const value = fields[field];
      if (value !== null && typeof value !== 'string')
        throw new CrmRequestError(400, `${field} must be text`);
      record[field] = value;
    }
    if ('phoneContacts' in fields)
      record.phoneContacts = this.list(fields.phoneContacts, 'phoneContacts', (p) => ({
        id: this.guid(),
        default: p.default === true,
        phoneType: typeof p.phoneType === 'string' ? p.phoneType : 'Mobile',
        phoneNumber: this.requiredText(p.phoneNumber, 'phoneContacts.phoneNumber'),
        continuedNumber: null,
        extension: typeof p.extension === 'string' ? p.extension : null,
      }));
    if ('addressContacts' in fields)
      record.addressContacts = this.list(fields.addressContacts, 'addressContacts', (a) => ({
        id: this.guid(),
        default: a.default === true,
        ...Object.fromEntries(
          ['country', 'state', 'city', 'address', 'zipCode'].map((f) => [
            f,
            typeof a[f] === 'string' ? a[f] : null,
          ]),
        ),
        addressType: null,
        areaCode: null,
        zipBox: null,
        longitude: null,
        latitude: null,
      }));
    if ('categories' in fields)
      record.categories = this.list(fields.categories, 'categories', (c) => {
        const key = this.requiredText(c.key, 'categories.key');
        return { id: this.guid(), key, name: key };
      });
  }

  private list(
    value: unknown,
    name: string,
    each: (item: Record<string, unknown>) => CrmRecord,
  ): CrmRecord[] {
    if (value === null) return [];
    if (!Array.isArray(value) || value.some((v) => !v || typeof v !== 'object'))
      throw new CrmRequestError(400, `${name} must be a list of objects`);
    return value.map((v) => each(v as Record<string, unknown>));
  }

  private requiredText(value: unknown, name: string): string {
    if (typeof value !== 'string' || value.trim() === '')
      throw new CrmRequestError(400, `${name} is required`);
    return value;
  }

  private priced(lines: QuoteLineInput[], vatPercent: number): CrmRecord {
    const details = lines.map((line) => {
      const total = line.count * line.unitPrice;
      const discount = line.discount ?? 0;
      const vat = Math.round(((total - discount) * vatPercent) / 100);
      return {
        productCode: line.productCode,
        productId: this.guid(),
        productName: line.productName ?? line.productCode,
        productUnitTypeName: line.unit ?? 'عدد',
        isService: line.isService ?? false,
        baseUnitPrice: line.unitPrice,
        finalUnitPrice: line.count === 0 ? 0 : (total - discount + vat) / line.count,
        count: line.count,
        returnedCount: 0,
        totalUnitPrice: total,
        totalDiscount: discount,
        discountPercent: total === 0 ? 0 : Math.round((discount / total) * 10_000) / 100,
        totalVat: vat,
        totalToll: 0,
        detailDescription: '',
        serial: null,
      };
    });
    const sum = (f: 'totalUnitPrice' | 'totalDiscount' | 'totalVat') => details.reduce((t, d) => t + d[f], 0);
    const totalValue = sum('totalUnitPrice');
    const discount = sum('totalDiscount');
    const vat = sum('totalVat');
    return {
      details,
      totalValue,
      discount,
      vat,
      toll: 0,
      finalValue: totalValue - discount + vat,
      discountPercent: totalValue === 0 ? 0 : Math.round((discount / totalValue) * 10_000) / 100,
      totalDiscountPercent: totalValue === 0 ? 0 : Math.round((discount / totalValue) * 10_000) / 100,
      vatPercent,
      tollPercent: 0,
    };
  }
}
