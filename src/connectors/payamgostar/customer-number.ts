/**
 * The CRM customer number that ties a Payamgostar identity to a Siagh contact: prefix + (Siagh Code + offset), by
 * default "100-" + (Code + 1000), so Code 1 is "100-1001" and Code 234 is "100-1234". The reverse refuses anything
 * that is not exactly such a number: a guessed Code would link a CRM customer to somebody else's account in Siagh.
 */

export interface CustomerNumberFormat {
  prefix: string;
  offset: number;
}

export const defaultCustomerNumberFormat: CustomerNumberFormat = { prefix: '100-', offset: 1000 };

export class CustomerNumberError extends Error {
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(`"${value}" is not a customer number of the form prefix + (Siagh Code + offset): ${reason}`);
    this.name = 'CustomerNumberError';
  }
}

/** Persian (۰–۹) and Arabic-Indic (٠–٩) digits, as a salesperson's keyboard may type them, as ASCII digits. */
function asciiDigits(value: string): string {
  return value.replace(/[\u06f0-\u06f9\u0660-\u0669]/g, (d) => {
    const code = d.charCodeAt(0);
    return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
  });
}

/** Siagh Code → CRM customer number. A Code is a whole number from 1. */
export function customerNumberOf(
  code: number,
  format: CustomerNumberFormat = defaultCustomerNumberFormat,
): string {
  if (!Number.isSafeInteger(code) || code < 1)
    throw new RangeError(`a Siagh Code is a whole number from 1, got ${code}`);
  const number = code + format.offset;
  if (!Number.isSafeInteger(number)) throw new RangeError(`Siagh Code ${code} is too large`);
  return `${format.prefix}${number}`;
}

/** CRM customer number → Siagh Code; throws CustomerNumberError for anything customerNumberOf would not produce. */
export function siaghCodeOf(
  customerNumber: string,
  format: CustomerNumberFormat = defaultCustomerNumberFormat,
): number {
  const value = asciiDigits(customerNumber.trim());
  if (!value.startsWith(format.prefix))
    throw new CustomerNumberError(customerNumber, `it does not start with "${format.prefix}"`);
  const digits = value.slice(format.prefix.length);
  if (!/^[1-9]\d*$/.test(digits))
    throw new CustomerNumberError(
      customerNumber,
      `"${digits}" after the prefix is not a whole number without leading zeros`,
    );
  const number = Number(digits);
  if (!Number.isSafeInteger(number)) throw new CustomerNumberError(customerNumber, 'the number is too large');
  const code = number - format.offset;
  if (code < 1)
    throw new CustomerNumberError(
      customerNumber,
      `${number} minus the offset ${format.offset} is ${code}, and a Siagh Code starts at 1`,
    );
  return code;
}
