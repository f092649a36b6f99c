import { describe, expect, it } from 'vitest';
import { bulkProgressFrom } from '../../src/jobs/bulk-progress.js';

const startedAt = '2026-12-01T10:00:00.000Z';
const at = (seconds: number) => Date.parse(startedAt) + seconds * 1000;

describe('progress of a resumable bulk load', () => {
  it('is not started without a checkpoint', () => {
    expect(bulkProgressFrom(undefined, { processed: 0, processedBeforeResume: 0 }, false)).toEqual({
      state: 'not-started',
      processed: 0,
    });
  });

  it('counts the rate of this attempt only, so a resumed load does not claim its predecessor’s work', () => {
    const cp = { status: 'running', runId: 'r2', startedAt, resumedAt: new Date(at(100)).toISOString() };
    const progress = bulkProgressFrom(
      cp,
      { processed: 900, processedBeforeResume: 800, total: 1000 },
      true,
      at(150),
    );
    expect(progress).toMatchObject({ state: 'running', percent: 90, perSecond: 2, etaSeconds: 50 });
  });

  it('is interrupted, with no ETA, when no run works on an unfinished checkpoint', () => {
    const cp = { status: 'running', runId: 'r1', startedAt, resumedAt: startedAt };
    const progress = bulkProgressFrom(
      cp,
      { processed: 10, processedBeforeResume: 0, total: 40 },
      false,
      at(10),
    );
    expect(progress).toMatchObject({ state: 'interrupted', percent: 25, etaSeconds: undefined });
  });

  it('is 100% when finished even where the remote never said a total, and measures the rate to the finish', () => {
    const cp = {
      status: 'finished',
      runId: 'r1',
      startedAt,
      resumedAt: startedAt,
      finishedAt: new Date(at(20)).toISOString(),
    };
    const progress = bulkProgressFrom(cp, { processed: 50, processedBeforeResume: 0 }, false, at(500));
    expect(progress).toMatchObject({ state: 'finished', percent: 100, perSecond: 2.5, etaSeconds: 0 });
  });
});
