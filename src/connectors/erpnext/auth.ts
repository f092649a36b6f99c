/**
 * How ERPNext is told who we are: the integration user's API key and secret in Frappe's `token key:secret` form,
 * sent with every request. There is no session to renew, so a 401 means the keys themselves are wrong and is never
 * answered by logging in again.
 */
export interface ErpNextCredentials {
  apiKey: string;
  apiSecret: string;
}

export function authorizationHeader(credentials: ErpNextCredentials): string {
  return `token ${credentials.apiKey}:${credentials.apiSecret}`;
}
