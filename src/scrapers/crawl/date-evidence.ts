/**
 * Whether this run's list pages have proven the portal's date format, and the detail pages held until they do. A page
 * whose dates all fit the profile's format and another one too (07/12 is 12 July or 7 December) refutes nothing, so
 * it reads, but what it says may still be swapped: a DD/MM portal's first page of the 1st–12th looks fine to a MM/DD
 * profile until the 28th of last month shows up on page 2. So the detail pages such a page queues are held, not
 * queued, and nothing of them is stored; the first page with a date only the format fits releases them, and a page
 * whose dates fit only another format stops the list (settleDateFormat), so what was held is never stored. A list
 * that ends with pages still held is read in the format only when something vouches for it — a person named it in the
 * profile file, or an earlier run of the job saw it proven — and otherwise each held document is quarantined with the
 * reason. One per run, shared by every list of the portal: the format is the portal's, not a list's.
 */
import { sql } from 'drizzle-orm';
import { portalDescriptions, type PortalName } from '../../config/portals.js';
import type { Database } from '../../db/database.js';
import type { RunEventInput } from '../../jobs/types.js';
import { AUTO_DATE_FORMAT } from '../date-format.js';
import { earlierRunNoted } from './list-history.js';
import type { Crawl } from './router.js';

/** A detail page queued by a list page that did not prove the format, with what a quarantine of it needs. */
export interface HeldDetail<R> {
  request: R;
  entity?: string;
  /** How a person names it, e.g. "order 75938". */
  what: string;
  /** The list page it was on, e.g. "order list page 1". */
  where: string;
  /** Its date as printed, e.g. "07/12/2026". */
  date: string;
  /** The formats that date fits, e.g. MM/DD/YYYY and DD/MM/YYYY. */
  readings: readonly string[];
}

export interface DateEvidenceSettings {
  portal: PortalName;
  /** The profile's date setting: a fixed format, or "auto" (which proves every page it reads, so holds nothing). */
  format: string;
  /**
   * What vouches for the fixed format without a page of this run proving it, in words for an event ("the profile
   * file names it"); null when nothing does. See dateFormatVouchedBy. Asked only when a list ends with pages held.
   */
  vouchedBy: () => Promise<string | null>;
}

/** The event that notes a run's list pages proved the date format, so later runs of the job can trust it. */
export function dateFormatConfirmedEvent(portal: PortalName, format: string): RunEventInput {
  return {
    level: 'debug',
    message: `The ${portalDescriptions[portal].label} list dates proved their format is ${format}.`,
    details: { dateFormatConfirmed: { format } },
  };
}

/** Whether an earlier run of `job` (not `runId`) noted its list pages proved `format`. */
export function earlierRunConfirmedDateFormat(
  db: Database,
  where: { job: string; runId: string; format: string },
): Promise<boolean> {
  return earlierRunNoted(
    db,
    where,
    (details) => sql`${details} -> 'dateFormatConfirmed' ->> 'format' = ${where.format}`,
  );
}

/**
 * What vouches for a fixed date format before any page of this run proves it: the profile file naming it (a person's
 * word), else an earlier run of the job that saw it proven; null when neither does, or under "auto".
 */
export async function dateFormatVouchedBy(
  db: Database,
  run: { job: string; runId: string },
  profile: { format: string; namedInProfileFile: boolean },
): Promise<string | null> {
  if (profile.format === AUTO_DATE_FORMAT) return null;
  if (profile.namedInProfileFile) return 'the profile file names it';
  const proven = await earlierRunConfirmedDateFormat(db, { ...run, format: profile.format });
  return proven ? "an earlier run's lists proved it" : null;
}

export class DateFormatEvidence<Q, L extends keyof Q & string> {
  private confirmed: boolean;
  private held: HeldDetail<Q[L]>[] = [];

  /** `label`: the route the held detail pages are queued on. */
  constructor(
    private readonly label: L,
    private readonly settings: DateEvidenceSettings,
  ) {
    this.confirmed = settings.format === AUTO_DATE_FORMAT;
  }

  /**
   * A list page was read and its detail pages planned: queued when this or an earlier page of the run proved the
   * format (a page that proves it releases every held one first), held otherwise.
   */
  async pageRead(proves: boolean, details: HeldDetail<Q[L]>[], crawl: Crawl<Q>): Promise<void> {
    if (!this.confirmed && proves) {
      this.confirmed = true;
      await crawl.record.event(dateFormatConfirmedEvent(this.settings.portal, this.settings.format));
      await this.release(crawl);
    }
    if (this.confirmed) for (const detail of details) await crawl.enqueue(this.label, detail.request);
    else this.held.push(...details);
  }

  /**
   * A list has ended and no later page of it can prove the format: what is still held is read when the format is
   * vouched for, and quarantined otherwise (the run ends partial, so it never says succeeded over them). A list
   * followed by another of the same portal need not call this: the next list may still prove it.
   */
  async listEnded(crawl: Crawl<Q>): Promise<void> {
    if (this.held.length === 0) return;
    const { portal, format } = this.settings;
    const vouchedBy = await crawl.record.write(this.settings.vouchedBy);
    if (vouchedBy !== null) {
      await crawl.record.event({
        level: 'info',
        message:
          `${this.held.length} documents whose dates do not tell the day from the month (none past the 12th) are ` +
          `read as ${format}: ${vouchedBy}.`,
      });
      await this.release(crawl);
      return;
    }
    const { profileFileVariable } = portalDescriptions[portal];
    for (const detail of this.held) {
      crawl.record.count('failed');
      await crawl.record.quarantine({
        entity: detail.entity,
        what: detail.what,
        where: detail.where,
        reason:
          `its date "${detail.date}" reads as ${detail.readings.join(' or ')}, and no date read this run tells ` +
          `which (none is past the 12th); the profile's ${format} is only its default`,
        html: '',
        consequence:
          'It was not stored. It is read again next run, and stored once a date past the 12th shows the format, ' +
          `or at once if formats.date is set in the profile file (${profileFileVariable}).`,
        details: { date: detail.date, readings: detail.readings },
      });
    }
    this.held = [];
  }

  private async release(crawl: Crawl<Q>): Promise<void> {
    const held = this.held;
    this.held = [];
    for (const detail of held) await crawl.enqueue(this.label, detail.request);
  }
}
