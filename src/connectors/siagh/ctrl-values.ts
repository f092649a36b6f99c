/**
 * SaveFormData's `ctrlValues`: `name=value` pairs joined by `|`, with no escaping at all. A value holding `|` would
 * start a field of its own, `=` would move the split, a line break is not kept by Siagh's form parser: such a value
 * cannot be sent faithfully, so it is refused here, naming the field, and the record is quarantined by the flow
 * instead of reaching Siagh corrupted.
 */
import { storableCopy, unstorableReason } from '../../storable-text.js';
import { SiaghInputError } from './errors.js';

/** A value as it goes into a form: empty text for "no value". */
export type CtrlValue = string | number | boolean | null | undefined;

const forbidden: [RegExp, string][] = [
  [/\|/, 'a "|" (Siagh separates form fields with it and has no escape)'],
  [/=/, 'an "=" (Siagh splits each form field at it and has no escape)'],
  [/[\r\n]/, 'a line break (Siagh form fields are single-line)'],
];

function textOf(field: string, value: CtrlValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SiaghInputError(field, `is not a finite number (${value})`);
    return String(value);
  }
  return value;
}

/**
 * Joins `[name, value]` pairs in order into a ctrlValues string. Throws SiaghInputError for a name or value that
 * cannot be written without corrupting the form.
 */
export function buildCtrlValues(fields: readonly (readonly [string, CtrlValue])[]): string {
  return fields
    .map(([name, value]) => {
      if (!/^[A-Za-z_][\w.]*$/.test(name)) throw new SiaghInputError(name, 'is not a valid form field name');
      const text = textOf(name, value);
      for (const [pattern, what] of forbidden)
        if (pattern.test(text)) throw new SiaghInputError(name, `contains ${what}`, text);
      const unstorable = unstorableReason(text);
      if (unstorable) throw new SiaghInputError(name, unstorable, storableCopy(text));
      return `${name}=${text}`;
    })
    .join('|');
}
