/**
 * Siagh simulator logins and sessions (research §3.1): the password checked as its MD5 in upper-case hex, a
 * SessionId that later requests carry raw in `Authorization`, and sessions that end after a lifetime without use
 * (sliding, like an ASP.NET session; the real lifetime is unknown, so it is a knob) [I].
 */
import { createHash, randomBytes } from 'node:crypto';
import { jalaliNow } from './clock.js';

export interface SimUser {
  userName: string;
  password: string;
}

export interface SessionKnobs {
  fiscalYear: number;
  sessionLifetimeMs: number;
}

export class SessionDesk {
  private readonly open = new Map<string, { user: string; expiresAt: number }>();
  readonly stats = { logins: 0, refusedLogins: 0, refusedSessions: 0 };

  constructor(
    private readonly users: SimUser[],
    private readonly knobs: SessionKnobs,
    private readonly timeZone: string,
  ) {}

  /** The reply to `POST /GeneralApi/LoginUser`. */
  login(body: unknown): { status: number; body: unknown } {
    const { UserName, Password } = (body ?? {}) as { UserName?: unknown; Password?: unknown };
    const user = this.users.find(
      (u) =>
        u.userName === UserName &&
        createHash('md5').update(u.password, 'utf8').digest('hex').toUpperCase() === Password,
    );
    if (!user) {
      this.stats.refusedLogins++;
      return { status: 401, body: { Message: 'Invalid username or password' } };
    }
    this.stats.logins++;
    const id = randomBytes(16).toString('hex');
    this.open.set(id, { user: user.userName, expiresAt: Date.now() + this.knobs.sessionLifetimeMs });
    const now = jalaliNow(this.timeZone);
    return {
      status: 200,
      body: {
        ContactCode: 2,
        ContactName: 'کاربر سیستم',
        UserCode: 1,
        UserName: user.userName,
        SessionId: id,
        Token: `${id}:0`,
        BranchCode: 1,
        BranchName: 'دفتر مرکزی',
        IsAdminUser: true,
        FiscalYear: this.knobs.fiscalYear,
        MobileNo: '9123456789',
        SystemDate: now.date,
        SystemTime: now.time,
      },
    };
  }

  /** Whether `authorization` is an open session's id, exactly (no scheme); using it extends it. */
  admits(authorization: string | undefined): boolean {
    const id = authorization ?? '';
    const session = this.open.get(id);
    const now = Date.now();
    if (session && now <= session.expiresAt) {
      session.expiresAt = now + this.knobs.sessionLifetimeMs;
      return true;
    }
    this.open.delete(id);
    this.stats.refusedSessions++;
    return false;
  }

  expireAll(): void {
    this.open.clear();
  }
}
