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

/** The first string in `value` (its keys included, however deep) that cannot be stored: where it is and why. */
export function firstUnstorable(value: unknown, path = ''): { path: string; reason: string } | undefined {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { path: path || '(value)', reason } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = firstUnstorable(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const where = path ? `${path}.${key}` : key;
      const keyReason = unstorableReason(key);
      if (keyReason) return { path: where, reason: `its name ${keyReason}` };
      const found = firstUnstorable(item, where);
      if (found) return found;
    }
  }
  return undefined;
}

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function escapeUnstorable(text: string): string {
  if (!unstorableReason(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isHigh(code) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2);
      i++;
    } else if (code === 0 || isHigh(code) || isLow(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return out;
}

/**
 * `value` with every character PostgreSQL cannot store written out as its escape (`\u0000`), so a record refused for
 * it can still be kept, as it came, in a quarantine or an event that says why.
 */
export function storableCopy<T>(value: T): T {
  // Untouched when there is nothing to escape: a copy would lose what JSON keeps of class instances (a URL's toJSON).
  return firstUnstorable(value) ? copyEscaped(value) : value;
}

function copyEscaped<T>(value: T): T {
  if (typeof value === 'string') return escapeUnstorable(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => copyEscaped(item)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [copyEscaped(key), copyEscaped(item)]),
    ) as T;
  return value;
}
