/**
 * The simulated account's customers, invoices and credit memos, as NetSuite's SuiteQL tables hold them: `customer`,
 * `transaction` (type CustInvc / CustCred), `transactionline` (a main line with id 0, then the item lines), `currency`
 * and `deletedrecord`. Amounts follow NetSuite's accounting signs: an invoice's income lines are credits (negative),
 * a credit memo's are debits (positive); a transaction's total is positive for an invoice and negative for a credit
 * memo. Seeded deterministically; edits and deletions move `lastmodifieddate` or write the deleted-record log.
 */
import { seededRandom } from '../seeded-random.js';

export interface SimCurrency {
  id: number;
  symbol: string;
  name: string;
  /** Units of the base currency (USD) per unit. */
  rate: number;
}

export interface SimCustomer {
  id: number;
  entityid: string;
  companyname?: string;
  email?: string;
  currency: number;
  subsidiary: number;
  isinactive: boolean;
  lastModified: number;
}

export interface SimLine {
  /** 0 for the main line, as NetSuite numbers them. */
  id: number;
  mainline: boolean;
  taxline: boolean;
  item?: number;
  memo?: string;
  /** Transaction currency, in cents, accounting sign; undefined for a description line without amount. */
  foreignCents?: number;
  /** Base currency, in cents, accounting sign. */
  netCents?: number;
  category?: string;
  /** Calendar dates `YYYY-MM-DD`. */
  periodStart?: string;
  periodEnd?: string;
  /**
   * What a person typed in a period field kept as free text, returned as-is instead of a formatted date (TO_CHAR
   * included): the values a configured date format must refuse.
   */
  periodStartText?: string;
  periodEndText?: string;
}

export interface SimTransaction {
  id: number;
  type: 'CustInvc' | 'CustCred';
  tranid: string;
  entity: number;
  /** Calendar date `YYYY-MM-DD`. */
  trandate: string;
  status: string;
  currency: number;
  /** The invoice a credit memo was created from. */
  createdfrom?: number;
  lastModified: number;
  lines: SimLine[];
}

export interface SimDeletedRecord {
  /** Record type as the log names it: invoice, creditmemo, customer. */
  type: string;
  recordid: number;
  deletedDate: number;
  deletedby: number;
  context: string;
}

export interface RecordsSeedOptions {
  /** Invoice lines to create (main lines not counted); invoices are added until there are this many. */
  invoiceLines?: number;
  customers?: number;
  /** Credit memos per invoice (0.05: one in twenty invoices is credited). */
  creditMemoShare?: number;
}

export const simCurrencies: SimCurrency[] = [
  { id: 1, symbol: 'USD', name: 'US Dollar', rate: 1 },
  { id: 2, symbol: 'EUR', name: 'Euro', rate: 1.1 },
  { id: 3, symbol: 'GBP', name: 'British Pound', rate: 1.27 },
];

export const revenueCategories = ['Subscription', 'Services', 'Hardware'];

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const day = 24 * 3600 * 1000;

export class SimRecords {
  readonly currencies = simCurrencies;
  readonly customers: SimCustomer[] = [];
  /** Invoices and credit memos in id order (NetSuite's internal ids are one sequence across transaction types). */
  readonly transactions: SimTransaction[] = [];
  readonly deleted: SimDeletedRecord[] = [];
  /** Bumped by every change, so cached query results are recomputed as NetSuite would. */
  version = 0;
  private nextTransactionId: number;
  private readonly random: () => number;

  constructor(options: RecordsSeedOptions, seed: number, modifiedBefore: number) {
    const r = seededRandom(seed ^ 0x7ec0);
    this.random = seededRandom(seed ^ 0xed17);
    const customerCount = options.customers ?? Math.max(5, Math.ceil((options.invoiceLines ?? 0) / 4.5 / 8));
    let id = 5000;
    for (let n = 1; n <= customerCount; n++) {
      id += 1 + Math.floor(r() * 2);
      this.customers.push({
        id,
        entityid: `CUST-${String(n).padStart(5, '0')}`,
        ...(r() < 0.9 ? { companyname: `Customer Company ${n}` } : {}),
        ...(r() < 0.8 ? { email: `billing${n}@example.com` } : {}),
        currency: 1 + Math.floor(r() * 3),
        subsidiary: 1 + Math.floor(r() * 2),
        isinactive: r() < 0.05,
        lastModified: modifiedBefore - Math.floor(r() * 400 * 24 * 3600) * 1000,
      });
    }
    let transactionId = 10_000;
    let lines = 0;
    let invoices = 0;
    while (lines < (options.invoiceLines ?? 0)) {
      transactionId += 1 + Math.floor(r() * 3);
      const invoice = this.seedInvoice(r, transactionId, ++invoices, modifiedBefore);
      lines += invoice.lines.length - 1;
      this.transactions.push(invoice);
      if (r() < (options.creditMemoShare ?? 0.05)) {
        transactionId += 1;
        this.transactions.push(this.creditMemoFor(r, invoice, transactionId, modifiedBefore));
      }
    }
    this.nextTransactionId = transactionId + 1;
  }

  private seedInvoice(r: () => number, id: number, n: number, modifiedBefore: number): SimTransaction {
    const customer = this.customers[Math.floor(r() * this.customers.length)]!;
    const tranDay = modifiedBefore - Math.floor(30 + r() * 700) * day;
    const statusPick = r();
    const status =
      statusPick < 0.3
        ? 'A'
        : statusPick < 0.88
          ? 'B'
          : statusPick < 0.94
            ? 'D'
            : statusPick < 0.97
              ? 'E'
              : 'V';
    const invoice: SimTransaction = {
      id,
      type: 'CustInvc',
      tranid: `INV${String(n).padStart(6, '0')}`,
      entity: customer.id,
      trandate: isoDate(tranDay),
      status,
      currency: customer.currency,
      lastModified: Math.min(modifiedBefore, tranDay + Math.floor(r() * 20 * 24 * 3600) * 1000),
      lines: [],
    };
    const count = 1 + Math.floor(r() * 8);
    for (let line = 1; line <= count; line++) invoice.lines.push(this.seedLine(r, line, tranDay, -1));
    if (r() < 0.1) {
      // Sales tax: a line of its own, without revenue category, that the default filters leave out of revenue.
      const income = invoice.lines.reduce((s, l) => s + (l.foreignCents ?? 0), 0);
      invoice.lines.push({
        id: count + 1,
        mainline: false,
        taxline: true,
        foreignCents: Math.round(income * 0.08),
      });
    }
    this.setMainLine(invoice);
    return invoice;
  }

  /** An income line; `sign` is -1 on an invoice (a credit to income) and +1 on a credit memo. */
  private seedLine(r: () => number, id: number, tranDay: number, sign: 1 | -1): SimLine {
    const kind = r();
    if (kind < 0.02 && id > 1)
      return { id, mainline: false, taxline: false, memo: 'Thank you for your business' };
    const category = kind < 0.05 ? undefined : revenueCategories[Math.floor(r() * 3)]!;
    const cents = 500 + Math.floor(r() * 200_000);
    const line: SimLine = {
      id,
      mainline: false,
      taxline: false,
      item: 200 + Math.floor(r() * 60),
      ...(r() < 0.7 ? { memo: `Line ${id}` } : {}),
      foreignCents: sign * cents,
      ...(category ? { category } : {}),
    };
    if (category === 'Subscription' && r() < 0.95) {
      const start = tranDay + Math.floor(r() * 10) * day;
      const months = r() < 0.1 ? -1 : 1 + Math.floor(r() * 12);
      line.periodStart = isoDate(start);
      line.periodEnd = isoDate(start + months * 30 * day);
    }
    return line;
  }

  private creditMemoFor(
    r: () => number,
    invoice: SimTransaction,
    id: number,
    modifiedBefore: number,
  ): SimTransaction {
    const tranDay = Date.parse(invoice.trandate) + Math.floor(1 + r() * 20) * day;
    const credited = invoice.lines.filter((l) => !l.mainline && l.foreignCents !== undefined).slice(0, 2);
    const memo: SimTransaction = {
      id,
      type: 'CustCred',
      tranid: `CM${String(id).padStart(6, '0')}`,
      entity: invoice.entity,
      trandate: isoDate(Math.min(tranDay, modifiedBefore - day)),
      status: r() < 0.6 ? 'B' : 'A',
      currency: invoice.currency,
      createdfrom: invoice.id,
      lastModified: Math.min(modifiedBefore, tranDay + day),
      lines: credited.map((l, n) => ({ ...l, id: n + 1, foreignCents: -l.foreignCents! })),
    };
    if (memo.lines.length === 0) memo.lines.push(this.seedLine(r, 1, tranDay, 1));
    this.setMainLine(memo);
    return memo;
  }

  /** Base amounts from the rate, and the main line (id 0) carrying the receivable: minus the sum of the lines. */
  private setMainLine(transaction: SimTransaction): void {
    const rate = this.currencies.find((c) => c.id === transaction.currency)!.rate;
    const lines = transaction.lines.filter((l) => !l.mainline);
    for (const line of lines)
      if (line.foreignCents !== undefined) line.netCents = Math.round(line.foreignCents * rate);
    const sum = (pick: (l: SimLine) => number | undefined) => lines.reduce((s, l) => s + (pick(l) ?? 0), 0);
    transaction.lines = [
      {
        id: 0,
        mainline: true,
        taxline: false,
        foreignCents: -sum((l) => l.foreignCents),
        netCents: -sum((l) => l.netCents),
      },
      ...lines,
    ];
  }

  /** The total NetSuite shows on the transaction (foreigntotal), the main line: positive for an invoice. */
  totalCents(transaction: SimTransaction): number {
    return transaction.lines.find((l) => l.mainline)!.foreignCents!;
  }

  transaction(id: number): SimTransaction {
    const found = this.transactions.find((t) => t.id === id);
    if (!found) throw new Error(`simulated transaction ${id} does not exist`);
    return found;
  }

  customer(id: number): SimCustomer {
    const found = this.customers.find((c) => c.id === id);
    if (!found) throw new Error(`simulated customer ${id} does not exist`);
    return found;
  }

  /** A user's edit of a transaction, saved at `at` (default now); a past `at` is a commit that arrives late. */
  editTransaction(
    id: number,
    edit: {
      removeLine?: number;
      lineAmounts?: Record<number, number>;
      status?: string;
      addLine?: Partial<SimLine>;
      line?: { id: number; change: Partial<SimLine> };
    },
    at = Date.now(),
  ): SimTransaction {
    const transaction = this.transaction(id);
    const sign = transaction.type === 'CustInvc' ? -1 : 1;
    if (edit.removeLine !== undefined) {
      if (!transaction.lines.some((l) => l.id === edit.removeLine && !l.mainline))
        throw new Error(`transaction ${id} has no line ${edit.removeLine}`);
      transaction.lines = transaction.lines.filter((l) => l.id !== edit.removeLine);
    }
    for (const [lineId, amount] of Object.entries(edit.lineAmounts ?? {})) {
      const line = transaction.lines.find((l) => l.id === Number(lineId) && !l.mainline);
      if (!line) throw new Error(`transaction ${id} has no line ${lineId}`);
      line.foreignCents = sign * Math.round(amount * 100);
    }
    if (edit.line) {
      const line = transaction.lines.find((l) => l.id === edit.line!.id && !l.mainline);
      if (!line) throw new Error(`transaction ${id} has no line ${edit.line.id}`);
      Object.assign(line, edit.line.change);
    }
    if (edit.addLine) {
      const lineId = Math.max(...transaction.lines.map((l) => l.id)) + 1;
      transaction.lines.push({ mainline: false, taxline: false, ...edit.addLine, id: lineId });
    }
    if (edit.status !== undefined) transaction.status = edit.status;
    this.setMainLine(transaction);
    transaction.lastModified = at;
    this.version++;
    return transaction;
  }

  /** A new invoice for a customer, saved at `at`: one income line per amount (in currency units). */
  addInvoice(
    customerId: number,
    amounts: number[],
    at = Date.now(),
    line: Partial<SimLine> = { category: 'Services' },
  ): SimTransaction {
    const customer = this.customer(customerId);
    const id = this.nextTransactionId++;
    const invoice: SimTransaction = {
      id,
      type: 'CustInvc',
      tranid: `INV-N${id}`,
      entity: customer.id,
      trandate: isoDate(at),
      status: 'A',
      currency: customer.currency,
      lastModified: at,
      lines: amounts.map((amount, n) => ({
        id: n + 1,
        mainline: false,
        taxline: false,
        item: 201,
        ...line,
        foreignCents: -Math.round(amount * 100),
      })),
    };
    this.setMainLine(invoice);
    this.transactions.push(invoice);
    this.version++;
    return invoice;
  }

  editCustomer(id: number, change: Partial<Omit<SimCustomer, 'id'>>, at = Date.now()): SimCustomer {
    const customer = this.customer(id);
    Object.assign(customer, change);
    customer.lastModified = at;
    this.version++;
    return customer;
  }

  /** Deletes a transaction, as a user would; NetSuite writes the deleted-record log. */
  deleteTransaction(id: number, at = Date.now()): void {
    const transaction = this.transaction(id);
    this.transactions.splice(this.transactions.indexOf(transaction), 1);
    this.logDeletion(transaction.type === 'CustInvc' ? 'invoice' : 'creditmemo', id, at);
  }

  deleteCustomer(id: number, at = Date.now()): void {
    const customer = this.customer(id);
    this.customers.splice(this.customers.indexOf(customer), 1);
    this.logDeletion('customer', id, at);
  }

  /** Deterministic edits of `count` invoices: an amount changed on a random line, saved now. */
  driftInvoices(count: number): SimTransaction[] {
    const invoices = this.transactions.filter((t) => t.type === 'CustInvc');
    const changed: SimTransaction[] = [];
    for (let n = 0; n < count; n++) {
      const invoice = invoices[Math.floor(this.random() * invoices.length)]!;
      const line = invoice.lines.find((l) => !l.mainline && l.foreignCents !== undefined);
      if (!line) continue;
      changed.push(
        this.editTransaction(invoice.id, {
          lineAmounts: { [line.id]: 5 + Math.floor(this.random() * 2000) },
        }),
      );
    }
    return changed;
  }

  private logDeletion(type: string, recordid: number, at: number): void {
    this.deleted.push({ type, recordid, deletedDate: at, deletedby: 3, context: 'UI' });
    this.version++;
  }
}
