import { describe, expect, it } from 'vitest';
import { TabPool } from '../../src/scrapers/tab-pool.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('TabPool', () => {
  it('keeps every tab busy with one item at a time until all are done', async () => {
    const busy = new Set<number>();
    let mostAtOnce = 0;
    const done: number[] = [];
    const pool = new TabPool<number>(3, async (item, slot) => {
      expect(busy.has(slot)).toBe(false);
      busy.add(slot);
      mostAtOnce = Math.max(mostAtOnce, busy.size);
      for (let i = 0; i < (item % 4) + 1; i++) await tick();
      busy.delete(slot);
      done.push(item);
    });
    for (let item = 0; item < 20; item++) await pool.add(item);
    await pool.idle();
    expect(mostAtOnce).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('makes the producer wait while the queue is full', async () => {
    const release: (() => void)[] = [];
    const pool = new TabPool<number>(1, () => new Promise<void>((resolve) => release.push(resolve)), 2);
    await pool.add(1);
    await pool.add(2);
    await pool.add(3);
    let fourthQueued = false;
    const fourth = pool.add(4).then(() => (fourthQueued = true));
    await tick();
    expect(fourthQueued).toBe(false);
    release.shift()!();
    await fourth;
    expect(fourthQueued).toBe(true);
  });

  it('puts a first item ahead of the queue without waiting for room', async () => {
    const release: (() => void)[] = [];
    const started: number[] = [];
    const pool = new TabPool<number>(
      1,
      (item) =>
        new Promise<void>((resolve) => {
          started.push(item);
          release.push(resolve);
        }),
      1,
    );
    await pool.add(1);
    await pool.add(2);
    await pool.add(9, { first: true });
    while (release.length > 0) {
      release.shift()!();
      await tick();
    }
    await pool.idle();
    expect(started).toEqual([1, 9, 2]);
  });

  it('starts nothing new after a failure and reports the first one once the running items end', async () => {
    const started: number[] = [];
    let finishSlow!: () => void;
    const pool = new TabPool<number>(2, async (item) => {
      started.push(item);
      if (item === 1) {
        await tick();
        throw new Error('markup changed on 1');
      }
      if (item === 2) await new Promise<void>((resolve) => (finishSlow = resolve));
    });
    await pool.add(1);
    await pool.add(2);
    await tick();
    await tick();
    await expect(pool.add(3)).rejects.toThrow('markup changed on 1');
    let settled = false;
    const idle = pool.idle().catch((error: Error) => {
      settled = true;
      return error;
    });
    await tick();
    expect(settled).toBe(false);
    finishSlow();
    expect(((await idle) as Error).message).toBe('markup changed on 1');
    expect(started).toEqual([1, 2]);
  });
});
