/**
 * Python's `json.dumps(data)` with its defaults (", " and ": " separators, ensure_ascii): the exact bytes Frappe
 * signs and sends as a webhook body. A receiver that re-serialised with JSON.stringify would compute a different
 * signature, which is why the simulator must reproduce them.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === 'string') return asciiString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${asciiString(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  return asciiString(String(value));
}

function pythonFloat(n: number): string {
  const text = String(n);
  return /[.e]/.test(text) ? text.replace(/e\+?/, 'e+').replace('e+-', 'e-') : `${text}.0`;
}

function asciiString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
