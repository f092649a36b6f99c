/**
 * What PostgreSQL cannot store in a text or jsonb value: the NUL character (both refuse it) and UTF-16 surrogates
 * that are not paired (they have no UTF-8 form). Every input boundary asks this before a value can reach the database.
 */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (loneSurrogate.test(text)) return 'contains an unpaired UTF-16 surrogate, which is not valid text';
  return undefined;
}
