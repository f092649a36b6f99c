/**
 * Frappe's webhook signature: `X-Frappe-Webhook-Signature` is base64(HMAC-SHA256(secret, body)) over the exact bytes
 * it sent (Python's `json.dumps`, with its ", " and ": " separators), so it is checked against the raw body, never a
 * re-serialised one, and compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeader = 'x-frappe-webhook-signature';

export function frappeSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64');
}

export function signatureMatches(secret: string, body: Buffer, received: string | undefined): boolean {
  if (!received) return false;
  const expected = Buffer.from(frappeSignature(secret, body), 'base64');
  const given = Buffer.from(received.trim(), 'base64');
  // Different lengths cannot match; timingSafeEqual needs equal lengths, and the length of a digest is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
