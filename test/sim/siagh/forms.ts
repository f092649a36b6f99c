/**
 * How the Siagh simulator reads a SaveFormData body (research §3.1, §5 item 4): `ctrlValues` and `parameters` are
 * `name=value` pairs joined by `|` with no escaping, split exactly as a naive server would (so a value holding `|`
 * or `=` shows up as a broken field), and `dataRows` is a JSON STRING holding the grids, each cell an
 * `{oldValue, newValue}` pair. Anything malformed is a FormError carrying the Persian text Siagh would answer.
 */

export class FormError extends Error {
  constructor(
    readonly persian: string,
    readonly column = '',
    /** Refusals the research shows without an ErrorType (ReturnValue false only). */
    readonly bare = false,
  ) {
    super(persian);
    this.name = 'FormError';
  }
}

/** The message the research's log shows for a form Siagh's script cannot evaluate. */
export function runtimeError(detail: string): FormError {
  return new FormError(` پیامهای سرویس : RUNTIME ERROR\n${detail}`);
}

/** `a=1|b=|c=x` → ordered pairs. A piece without `=` (a value that held a `|`) is refused. */
export function parsePairs(text: string, what: string): [string, string][] {
  if (text === '') return [];
  return text.split('|').map((piece) => {
    const at = piece.indexOf('=');
    if (at <= 0) throw runtimeError(`${what}: "${piece}" is not name=value`);
    const name = piece.slice(0, at);
    const value = piece.slice(at + 1);
    // A second "=" means a value held one: the naive split gives a field Siagh does not have.
    if (value.includes('=')) throw runtimeError(`${what}: field ${name} has a malformed value`);
    return [name, value];
  });
}

export interface SaveFormBody {
  formId: string;
  ctrlValues: string;
  parameters: string;
  dataRows: string;
  attachments: string;
  postCode: string;
  flowId: string;
}

export function readSaveFormBody(body: unknown): SaveFormBody {
  if (!body || typeof body !== 'object') throw runtimeError('the request body is not a form');
  const record = body as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const key of ['formId', 'ctrlValues', 'parameters', 'dataRows', 'attachments', 'postCode', 'flowId']) {
    if (typeof record[key] !== 'string') throw runtimeError(`${key} is missing or not a string`);
    out[key] = record[key];
  }
  return out as unknown as SaveFormBody;
}

export interface GridRow {
  uid: string;
  values: Record<string, unknown>;
}

/** `dataRows`: a JSON string of grids; each row's fields `{oldValue, newValue}`, `_status` "inserted". */
export function parseDataRows(text: string): Map<string, GridRow[]> {
  let grids: unknown;
  try {
    grids = JSON.parse(text);
  } catch {
    throw runtimeError('dataRows is not valid JSON');
  }
  if (!Array.isArray(grids)) throw runtimeError('dataRows is not a list of grids');
  const out = new Map<string, GridRow[]>();
  for (const grid of grids as unknown[]) {
    const g = grid as Record<string, unknown>;
    if (typeof g?.name !== 'string' || typeof g.entity !== 'string' || typeof g.keyField !== 'string')
      throw runtimeError('a grid of dataRows has no name, entity or keyField');
    if (!Array.isArray(g.data)) throw runtimeError(`grid ${g.name} has no data list`);
    const rows = (g.data as unknown[]).map((row, index) => {
      if (!row || typeof row !== 'object')
        throw runtimeError(`grid ${g.name} row ${index + 1} is not an object`);
      const values: Record<string, unknown> = {};
      for (const [field, cell] of Object.entries(row as Record<string, unknown>)) {
        if (!cell || typeof cell !== 'object' || !('newValue' in cell) || !('oldValue' in cell))
          throw runtimeError(`Field '${field}' of row ${index + 1} is not an {oldValue,newValue} cell`);
        values[field] = (cell as { newValue: unknown }).newValue;
      }
      if (typeof values.__uid !== 'string' || values.__uid === '')
        throw runtimeError(`row ${index + 1} of grid ${g.name} has no __uid`);
      if (values._status !== 'inserted')
        throw runtimeError(`row ${index + 1} of grid ${g.name} is not "inserted"`);
      return { uid: values.__uid, values };
    });
    out.set(`${g.name}:${g.entity}`, rows);
  }
  return out;
}
