/**
 * Siagh authentication: `POST /GeneralApi/LoginUser` with the password's MD5 as upper-case hex, answered with a
 * SessionId that every later request carries raw in `Authorization` (no scheme). The session is kept until Siagh
 * refuses it (401), then replaced once, shared by every request in flight.
 */
import { createHash } from 'node:crypto';
import { instantOfJalali } from './jalali.js';
import type { LoginReply } from './schemas.js';

/** What Siagh wants as `Password`: MD5 of the UTF-8 password, upper-case hex. */
export function siaghPasswordHash(password: string): string {
  return createHash('md5').update(password, 'utf8').digest('hex').toUpperCase();
}

export interface SiaghSessionInfo {
  userName?: string;
  userCode?: number;
  /** The user's own contact code. */
  contactCode?: number;
  branchCode?: number;
  branchName?: string;
  isAdminUser?: boolean;
  /** The fiscal year Siagh opened the session in (Jalali, e.g. 1404). */
  fiscalYear: number;
  /** Siagh's own date and time at login, as it wrote them (`1404/09/04`, `17:33`). */
  systemDate: string;
  systemTime: string;
  /** The same moment as an instant, read in the company's time zone. */
  systemInstant: Date;
}

export function sessionInfoOf(reply: LoginReply, timeZone: string): SiaghSessionInfo {
  return {
    ...(reply.UserName ? { userName: reply.UserName } : {}),
    ...(typeof reply.UserCode === 'number' ? { userCode: reply.UserCode } : {}),
    ...(typeof reply.ContactCode === 'number' ? { contactCode: reply.ContactCode } : {}),
    ...(typeof reply.BranchCode === 'number' ? { branchCode: reply.BranchCode } : {}),
    ...(reply.BranchName ? { branchName: reply.BranchName } : {}),
    ...(typeof reply.IsAdminUser === 'boolean' ? { isAdminUser: reply.IsAdminUser } : {}),
    fiscalYear: reply.FiscalYear,
    systemDate: reply.SystemDate,
    systemTime: reply.SystemTime,
    systemInstant: instantOfJalali(reply.SystemDate.split(' ')[0]!, reply.SystemTime, timeZone),
  };
}

/** The current session: one login at a time, shared by all callers; replaced only when the one refused is current. */
export class SiaghSession {
  private current?: { id: string; info: SiaghSessionInfo };
  private pending?: Promise<{ id: string; info: SiaghSessionInfo }>;

  constructor(
    private readonly login: (signal?: AbortSignal) => Promise<{ id: string; info: SiaghSessionInfo }>,
  ) {}

  /** The session id to send now, if there is one. */
  get id(): string | undefined {
    return this.current?.id;
  }

  get info(): SiaghSessionInfo | undefined {
    return this.current?.info;
  }

  /** Logs in unless a session is open. Concurrent callers share one login. */
  async ensure(signal?: AbortSignal): Promise<SiaghSessionInfo> {
    if (this.current) return this.current.info;
    this.pending ??= this.login(signal).finally(() => (this.pending = undefined));
    this.current = await this.pending;
    return this.current.info;
  }

  /**
   * After a 401: forgets the refused session (unless another caller already replaced it) and logs in again.
   * Without a refused session (the request found none to send) it only waits for the login under way.
   */
  async renew(refused: string | undefined, signal?: AbortSignal): Promise<SiaghSessionInfo> {
    if (refused !== undefined && this.current?.id === refused) this.current = undefined;
    return this.ensure(signal);
  }

  /** Forgets the session; the next request logs in. */
  clear(): void {
    this.current = undefined;
  }
}
