/**
 * Which date format a portal's list page is written in, judged from the dates on the page itself. A profile that names
 * the wrong format would read 7 December (07/12) as 12 July and store it without a word; only a date that fits one
 * format alone (13/11 cannot be month/day) shows which one the page uses. So a page is checked before anything of it
 * is read: a date that fits only another format stops the list, and "auto" takes the format the unambiguous dates
 * agree on, refusing to guess when the page has none. A page whose dates all fit a fixed format and another one too
 * does not refute the format, but does not confirm it either (see confirmsDateFormat): what it says is held until a
 * page does. Pure: strings in, a format, a verdict or a MarkupChangedError out.
 */
import type { PortalName } from '../config/portals.js';
import { MarkupChangedError } from './errors.js';

export const AUTO_DATE_FORMAT = 'auto';

export interface DateFormatQuestion<F extends string> {
  portal: PortalName;
  /** The page, for the error: "order list page". */
  where: string;
  /** The profile key that sets the format, for the error: "formats.date". */
  profileKey: string;
  /** The profile's setting: one format, or "auto". */
  setting: F | typeof AUTO_DATE_FORMAT;
  /** The formats a portal of this kind is known to print; the setting, when not "auto", need not be among them. */
  candidates: readonly F[];
  /** Whether `text` is a real calendar day written in `format`. */
  fits(text: string, format: F): boolean;
  /** The date texts on the page (empty cells left out). */
  samples: readonly string[];
  /**
   * Under "auto", the format earlier pages of the same list showed in this run: a page whose dates are all ambiguous
   * (a short last page) is read in it, and a page whose dates fit only another format is refused.
   */
  known?: F;
}

/**
 * The format to read the page with. Throws MarkupChangedError (nothing of the page is to be read) when a date fits
 * only a format other than the profile's, or, with "auto", when the unambiguous dates disagree or there are none. A
 * page without dates (an empty list) keeps the profile's format, or the first candidate under "auto": nothing on it
 * is read as a date.
 */
export function settleDateFormat<F extends string>(q: DateFormatQuestion<F>): F {
  const { setting } = q;
  if (setting !== AUTO_DATE_FORMAT) {
    for (const text of q.samples) {
      if (q.fits(text, setting)) continue;
      const other = formatsFitting(q, text)[0];
      if (other !== undefined) {
        throw new MarkupChangedError(q.portal, q.where, [
          `its dates are written ${other}, not ${setting} (e.g. "${text}"), so every date of it would be misread; ` +
            `set ${q.profileKey} to "${other}" (or "${AUTO_DATE_FORMAT}")`,
        ]);
      }
    }
    return setting;
  }
  const telling = new Map<F, string>();
  if (q.known !== undefined) telling.set(q.known, 'the earlier pages');
  for (const text of q.samples) {
    const formats = formatsFitting(q, text);
    if (formats.length === 1 && !telling.has(formats[0]!)) telling.set(formats[0]!, text);
  }
  if (telling.size > 1) {
    const examples = [...telling]
      .map(([format, text]) => `${text.startsWith('the ') ? text : `"${text}"`} fit only ${format}`)
      .join(', ');
    throw new MarkupChangedError(q.portal, q.where, [
      `its dates disagree on their format (${examples}); set ${q.profileKey} to the portal's format instead of "${AUTO_DATE_FORMAT}"`,
    ]);
  }
  const [only] = telling.keys();
  if (only !== undefined) return only;
  if (q.samples.length === 0) return q.candidates[0]!;
  throw new MarkupChangedError(q.portal, q.where, [
    `none of its ${q.samples.length} dates (e.g. "${q.samples[0]}") tells the day from the month, so the format ` +
      `cannot be inferred; set ${q.profileKey} to the portal's format (one of ${q.candidates.join(', ')}) instead of ` +
      `"${AUTO_DATE_FORMAT}"`,
  ]);
}

/**
 * Whether the page's dates prove `format` is the one the page is written in: some date fits it and no other candidate
 * (13/11 can only be day/month). At most one candidate may fit, rather than exactly `format`, because a fixed setting
 * need not be a candidate itself: MM/DD/YYYY is read by the candidate M/D/YYYY the same way. Under "auto" a page read
 * is always confirmed: settleDateFormat refuses every page whose dates do not tell.
 */
export function confirmsDateFormat<F extends string>(q: DateFormatQuestion<F>, format: F): boolean {
  if (q.setting === AUTO_DATE_FORMAT) return true;
  return q.samples.some((text) => q.fits(text, format) && formatsFitting(q, text).length <= 1);
}

/** The candidate formats a date fits: "07/12/2026" fits MM/DD/YYYY and DD/MM/YYYY. */
export function formatsFitting<F extends string>(
  q: Pick<DateFormatQuestion<F>, 'candidates' | 'fits'>,
  text: string,
): F[] {
  return q.candidates.filter((format) => q.fits(text, format));
}

/** A list page's date format and whether its dates prove it: settleDateFormat and confirmsDateFormat in one step. */
export function judgeDateFormat<F extends string>(
  q: DateFormatQuestion<F>,
): { dateFormat: F; dateFormatConfirmed: boolean } {
  const dateFormat = settleDateFormat(q);
  return { dateFormat, dateFormatConfirmed: confirmsDateFormat(q, dateFormat) };
}
