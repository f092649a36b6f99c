/**
 * Reading a SaveFormData reply, which is HTTP 200 whatever happened: `ErrError` entries (or `ReturnValue: false`)
 * mean refused, `ErrSuccs` or `ReturnValue: true` mean saved. The new contact's code is `ReturnCode`; a pre-invoice's
 * number is only in the Persian success text ("… با موفقیت به شماره 2488 ثبت گردید …"), `ReturnCode` being an
 * internal id.
 */
import { SiaghBusinessError, SiaghError, type SiaghMessage } from './errors.js';
import { saveReply } from './schemas.js';

export interface SavedForm {
  returnCode?: string;
  returnParams?: string;
  /** `ErrSuccs` entries and final messages: Siagh's own words for what it did. */
  successes: string[];
  warnings: SiaghMessage[];
}

function messageOf(entry: {
  ErrorType?: string | null;
  Description?: string | null;
  MessageText?: string | null;
  ErrorCode?: number | null;
  ColName?: string | null;
}): SiaghMessage {
  return {
    type: entry.ErrorType ?? '',
    description: (entry.Description || entry.MessageText || '').trim(),
    ...(entry.ErrorCode === null || entry.ErrorCode === undefined ? {} : { code: entry.ErrorCode }),
    ...(entry.ColName ? { column: entry.ColName } : {}),
  };
}

/** The reply of a saved form, or SiaghBusinessError with Siagh's messages when it refused the form. */
export function readSaveReply(request: string, raw: unknown): SavedForm {
  const parsed = saveReply.safeParse(raw);
  if (!parsed.success)
    throw new SiaghError({
      kind: 'bad-response',
      request,
      status: 200,
      messages: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'reply'}: ${i.message}`),
      reply: raw,
    });
  const reply = parsed.data;
  const entries = (reply.Errors ?? []).map(messageOf);
  const finals = (reply.FinalMessages ?? []).map((m) => m.trim()).filter((m) => m !== '');
  const successes = entries.filter((e) => e.type === 'ErrSuccs');
  const warnings = entries.filter((e) => e.type === 'ErrWarning');
  // Siagh's examples show refusals both as ErrError entries and as bare entries with ReturnValue false.
  let errors = entries.filter((e) => e.type === 'ErrError');
  if (reply.ReturnValue === false && errors.length === 0)
    errors = entries.filter((e) => e.type !== 'ErrSuccs' && e.type !== 'ErrWarning');
  if (reply.ReturnValue === false && errors.length === 0)
    errors = (finals.length > 0 ? finals : ['Siagh answered ReturnValue false without a reason']).map(
      (description) => ({ type: 'ErrError', description }),
    );
  if (errors.length > 0) throw new SiaghBusinessError(request, errors, raw);
  if (reply.ReturnValue !== true && successes.length === 0)
    throw new SiaghError({
      kind: 'bad-response',
      request,
      status: 200,
      messages: ['the reply says neither success (ErrSuccs, ReturnValue true) nor failure (ErrError)'],
      reply: raw,
    });
  const code = reply.ReturnCode === null || reply.ReturnCode === undefined ? '' : String(reply.ReturnCode);
  const params =
    reply.ReturnParams === null || reply.ReturnParams === undefined ? '' : String(reply.ReturnParams);
  return {
    ...(code.trim() === '' ? {} : { returnCode: code.trim() }),
    ...(params.trim() === '' ? {} : { returnParams: params.trim() }),
    successes: [...successes.map((s) => s.description), ...finals],
    warnings,
  };
}

const persianDigits = '۰۱۲۳۴۵۶۷۸۹';
const arabicDigits = '٠١٢٣٤٥٦٧٨٩';

function asciiDigits(text: string): string {
  return text.replace(/[۰-۹٠-٩]/g, (d) =>
    String(persianDigits.includes(d) ? persianDigits.indexOf(d) : arabicDigits.indexOf(d)),
  );
}

/** The pre-invoice number in Siagh's success text ("… به شماره 2488 ثبت گردید …"), Persian digits included. */
export function preInvoiceNumberIn(saved: SavedForm): number | undefined {
  for (const text of saved.successes) {
    const match = /شماره\s+([0-9۰-۹٠-٩]+)/.exec(text);
    if (match) return Number(asciiDigits(match[1]!));
  }
  return undefined;
}
