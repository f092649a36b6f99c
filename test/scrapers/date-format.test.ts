/** Judging a list page's date format from its own dates: a fixed format checked, "auto" inferred or refused. */
import { describe, expect, it } from 'vitest';
import {
  confirmsDateFormat,
  formatsFitting,
  settleDateFormat,
  type DateFormatQuestion,
} from '../../src/scrapers/date-format.js';
import { MarkupChangedError } from '../../src/scrapers/errors.js';

type Format = 'M/D' | 'D/M';
/** Day/month texts "a/b" of a year with 12 months and 31 days each: enough to tell the formats apart. */
const fits = (text: string, format: Format) => {
  const [a, b] = text.split('/').map(Number) as [number, number];
  const [month, day] = format === 'M/D' ? [a, b] : [b, a];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
};
const question = (
  setting: Format | 'auto',
  samples: string[],
  known?: Format,
): DateFormatQuestion<Format> => ({
  portal: 'customerconnect',
  where: 'order list page',
  profileKey: 'formats.date',
  setting,
  candidates: ['M/D', 'D/M'],
  fits,
  samples,
  known,
});
const ask = (setting: Format | 'auto', samples: string[], known?: Format): Format =>
  settleDateFormat<Format>(question(setting, samples, known));

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

describe('confirmsDateFormat', () => {
  it('is confirmed by a date that fits the format and no other', () => {
    expect(confirmsDateFormat(question('M/D', ['3/4', '12/25']), 'M/D')).toBe(true);
    expect(confirmsDateFormat(question('D/M', ['25/12']), 'D/M')).toBe(true);
  });

  it('is not confirmed by dates that fit another format as well, nor by a page without dates', () => {
    expect(confirmsDateFormat(question('M/D', ['3/4', '12/7', '12/12']), 'M/D')).toBe(false);
    expect(confirmsDateFormat(question('M/D', []), 'M/D')).toBe(false);
  });

  it('is not confirmed by a date that fits only another format, or none', () => {
    expect(confirmsDateFormat(question('M/D', ['25/12', '40/40']), 'M/D')).toBe(false);
  });

  it('confirms a setting outside the candidates by a date that only the same reading fits', () => {
    type Written = Format | 'MM/DD';
    const written = (text: string, format: Written) => fits(text, format === 'MM/DD' ? 'M/D' : format);
    const q = (samples: string[]): DateFormatQuestion<Written> => ({
      ...question('M/D', samples),
      setting: 'MM/DD',
      candidates: ['M/D', 'D/M'],
      fits: written,
    });
    expect(confirmsDateFormat(q(['03/04', '12/25']), 'MM/DD')).toBe(true);
    expect(confirmsDateFormat(q(['03/04']), 'MM/DD')).toBe(false);
  });

  it('under "auto" is always confirmed: a page it cannot tell is refused before', () => {
    expect(confirmsDateFormat(question('auto', ['3/4'], 'D/M'), 'D/M')).toBe(true);
  });

  it('names the formats a date fits', () => {
    expect(formatsFitting(question('M/D', []), '3/4')).toEqual(['M/D', 'D/M']);
    expect(formatsFitting(question('M/D', []), '25/12')).toEqual(['D/M']);
  });
});
