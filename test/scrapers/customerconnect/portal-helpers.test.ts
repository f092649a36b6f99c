/** The helpers both portal scrapers share: saved login state and failure artefacts (no browser needed here). */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorSignature, failureArtefactStore } from '../../../src/scrapers/artefacts.js';
import { portalSessionStore, type StorageState } from '../../../src/scrapers/portal-session-store.js';

const dir = mkdtempSync(join(tmpdir(), 'portal-helpers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const state: StorageState = {
  cookies: [
    {
      name: 'PHPSESSID',
      value: 'abc',
      domain: '127.0.0.1',
      path: '/',
      expires: -1,
      httpOnly: true,
      secure: false,
      sameSite: 'Lax',
    },
  ],
  origins: [],
};
const who = { origin: 'https://envirostore.mycustomerconnect.com', username: 'buyer@example.com' };

describe('portal session store', () => {
  const store = portalSessionStore(dir, 'customerconnect');

  it('saves the login state readable by the owner only and gives it back to the same origin and account', async () => {
    await store.save(who, state, new Date('2026-02-02T10:00:00Z'));
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sessions')).mode & 0o777).toBe(0o700);
    expect(await store.load(who, 3_600_000, new Date('2026-02-02T10:30:00Z'))).toEqual(state);
  });

  it('does not reuse a state that is too old, or that belongs to another address or account', async () => {
    expect(await store.load(who, 3_600_000, new Date('2026-02-02T11:00:01Z'))).toBeUndefined();
    expect(
      await store.load(
        { ...who, username: 'other@example.com' },
        3_600_000,
        new Date('2026-02-02T10:30:00Z'),
      ),
    ).toBeUndefined();
    expect(
      await store.load({ ...who, origin: 'http://127.0.0.1:9' }, 3_600_000, new Date('2026-02-02T10:30:00Z')),
    ).toBeUndefined();
  });

  it('treats a damaged file as no session, and forgets on clear', async () => {
    writeFileSync(store.path, '{"origin":');
    expect(await store.load(who, 3_600_000)).toBeUndefined();
    await store.save(who, state);
    await store.clear();
    expect(await store.load(who, 3_600_000)).toBeUndefined();
  });
});

describe('failure artefacts', () => {
  it('gives the same signature to the same fault on another record, and different ones to different faults', () => {
    const a = errorSignature(
      'order detail',
      new Error('CustomerConnect answered 500 for http://x/?order_id=75938'),
    );
    const b = errorSignature(
      'order detail',
      new Error('CustomerConnect answered 503 for http://x/?order_id=75939'),
    );
    const c = errorSignature(
      'order list',
      new Error('CustomerConnect answered 500 for http://x/?order_id=75938'),
    );
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('saves the HTML and the error once, and links later occurrences to the first', async () => {
    const store = failureArtefactStore({ dataDir: dir, portal: 'customerconnect' });
    const first = await store.capture({
      step: 'order list',
      error: new Error('missing row 1'),
      html: '<p>1</p>',
    });
    const again = await store.capture({
      step: 'order list',
      error: new Error('missing row 2'),
      html: '<p>2</p>',
    });
    expect(first.firstOccurrence).toBe(true);
    expect(again).toMatchObject({ firstOccurrence: false, dir: first.dir, html: first.html });
    expect(readFileSync(first.html!, 'utf8')).toBe('<p>1</p>');
    expect(readFileSync(join(first.dir, 'error.txt'), 'utf8')).toContain('missing row 1');
  });
});
