/** Judging a list page's date format from its own dates: a fixed format checked, "auto" inferred or refused. */
import { describe, expect, it } from 'vitest';
import { settleDateFormat, type DateFormatQuestion } from '../../src/scrapers/date-format.js';
import { MarkupChangedError } from '../../src/scrapers/errors.js';

type Format = 'M/D' | 'D/M';
/** Day/month texts "a/b" of a year with 12 months and 31 days each: enough to tell the formats apart. */
const fits = (text: string, format: Format) => {
  const [a, b] = text.split('/').map(Number) as [number, number];
  const [month, day] = format === 'M/D' ? [a, b] : [b, a];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
};
const ask = (setting: Format | 'auto', samples: string[], known?: Format): Format =>
  settleDateFormat<Format>({
    portal: 'customerconnect',
    where: 'order list page',
    profileKey: 'formats.date',
    setting,
    candidates: ['M/D', 'D/M'],
    fits,
    samples,
    known,
  } satisfies DateFormatQuestion<Format>);

describe('settleDateFormat', () => {
  it('keeps a fixed format its dates fit, ambiguous ones included', () => {
    expect(ask('M/D', ['3/4', '12/25', '1/1'])).toBe('M/D');
    expect(ask('D/M', ['3/4', '25/12'])).toBe('D/M');
  });

  it('stops at a date that fits only another format, naming it and the key', () => {
    expect(() => ask('M/D', ['3/4', '25/12'])).toThrowError(MarkupChangedError);
    expect(() => ask('M/D', ['3/4', '25/12'])).toThrowError(
      /written D\/M, not M\/D \(e\.g\. "25\/12"\).*set formats\.date to "D\/M" \(or "auto"\)/,
    );
  });

  it('leaves a date that fits no format to the row parser, which quarantines it', () => {
    expect(ask('M/D', ['3/4', '40/40'])).toBe('M/D');
  });

  it('with "auto" takes the format the unambiguous dates agree on', () => {
    expect(ask('auto', ['3/4', '25/12', '1/1'])).toBe('D/M');
    expect(ask('auto', ['12/25', '3/4'])).toBe('M/D');
  });

  it('with "auto" refuses a page whose dates disagree, or which has none that tells', () => {
    expect(() => ask('auto', ['25/12', '12/25'])).toThrowError(
      /"25\/12" fit only D\/M, "12\/25" fit only M\/D/,
    );
    expect(() => ask('auto', ['3/4', '5/6'])).toThrowError(/none of its 2 dates \(e\.g\. "3\/4"\)/);
  });

  it('with "auto" reads an ambiguous page in the format of the earlier pages, and refuses one that contradicts them', () => {
    expect(ask('auto', ['3/4'], 'D/M')).toBe('D/M');
    expect(ask('auto', ['25/12'], 'D/M')).toBe('D/M');
    expect(() => ask('auto', ['12/25'], 'D/M')).toThrowError(/the earlier pages fit only D\/M/);
  });

  it('has nothing to judge on an empty page', () => {
    expect(ask('auto', [])).toBe('M/D');
    expect(ask('D/M', [])).toBe('D/M');
  });
});
