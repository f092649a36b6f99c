/**
 * Moves RouteStar pages in the browser and hands back HTML: waits for the late Handsontable grids, dismisses the
 * pop-ups that block clicks, pages with bootpag one page at a time (its "next" jumps a whole block), sets the closed
 * list's date window, opens the "Line Items" tab. No parsing here beyond what is needed to know a page has changed.
 */
import type { Page } from 'playwright';
import type { Visit } from '../crawl/visit.js';
import {
  ListIncompleteError,
  MarkupChangedError,
  PortalUnavailableError,
  SessionExpiredError,
} from '../errors.js';
import type { ListSize } from './parse.js';
import type { RouteStarProfile } from './profile.js';
import { onLoginPage } from './session.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/**
 * How long a grid may take to draw the rows of a scroll position. Handsontable draws them as the scroll event is
 * handled, so this is only reached on a page that will not draw them; the page is then read again.
 */
const gridDrawMs = 2_000;

/**
 * Runs an evaluation inside the page. When the page navigates meanwhile (the portal sends a page to its login form as
 * soon as one of its data requests is refused for an expired session), the evaluation fails with a destroyed context,
 * often before the new address is known: wait for the new page, then report an expired session or a page that went
 * away, which the step's retry understands, instead of an error nobody can act on.
 */
async function inPage<R>(
  page: Page,
  profile: RouteStarProfile,
  step: string,
  evaluation: () => Promise<R>,
): Promise<R> {
  try {
    return await evaluation();
  } catch (error) {
    const navigated = /execution context was destroyed|navigat/i.test(String(error));
    if (!navigated && !onLoginPage(page, profile)) throw error;
    await page.waitForLoadState('domcontentloaded', { timeout: 10_000 }).catch(() => undefined);
    if (onLoginPage(page, profile)) throw new SessionExpiredError('routestar', step);
    throw new PortalUnavailableError(
      'routestar',
      step,
      `the page went to ${page.url()} while it was being read`,
    );
  }
}

/** Closes jquery-confirm / bootbox / Bootstrap pop-ups; Escape when none of the known buttons is there. */
export async function dismissModals(page: Page, profile: RouteStarProfile): Promise<number> {
  let dismissed = 0;
  for (let round = 0; round < 5; round++) {
    const open = page.locator(profile.modals.open).filter({ visible: true });
    if ((await open.count()) === 0) return dismissed;
    let clicked = false;
    for (const selector of profile.modals.dismiss) {
      const button = page.locator(selector).filter({ visible: true }).first();
      if ((await button.count()) > 0) {
        await button.click({ timeout: 2_000 }).catch(() => undefined);
        clicked = true;
        break;
      }
    }
    if (!clicked) await page.keyboard.press('Escape');
    dismissed += 1;
    // The pop-ups fade out; clicking through the fading backdrop would still be intercepted.
    await open
      .first()
      .waitFor({ state: 'hidden', timeout: 3_000 })
      .catch(() => undefined);
  }
  return dismissed;
}

/** Text of the page's error banner when it shows one (it reports that a data request failed), else null. */
async function errorBanner(page: Page, profile: RouteStarProfile): Promise<string | null> {
  const banner = page.locator(profile.grid.errorBanner).filter({ visible: true }).first();
  if ((await banner.count()) === 0) return null;
  return ((await banner.textContent()) ?? '').trim();
}

/** Ends a wait for a grid that the page will not draw: its error banner shows, or the deadline has passed. */
async function throwIfNotDrawn(
  page: Page,
  profile: RouteStarProfile,
  step: string,
  deadline: number,
  grid: string,
): Promise<void> {
  const banner = await errorBanner(page, profile);
  if (banner !== null) throw new PortalUnavailableError('routestar', step, `the page reported "${banner}"`);
  if (Date.now() > deadline) {
    throw new PortalUnavailableError(
      'routestar',
      step,
      `the ${grid} did not appear within ${Math.round(profile.waits.gridMs / 1000)} s; ` +
        "if the page shows data in a browser, the profile's grid selector is out of date",
    );
  }
}

/**
 * Waits until the grid under `scope` has been drawn. The portal first serves an empty shell and fills the grid from
 * a request that can take minutes; a redirect to the login page or the page's own error banner end the wait early.
 */
export async function waitForGrid(
  page: Page,
  profile: RouteStarProfile,
  step: string,
  scope = '',
): Promise<void> {
  const selector = `${scope} ${profile.grid.table}`.trim();
  const table = page.locator(selector).first();
  const deadline = Date.now() + profile.waits.gridMs;
  for (;;) {
    if (onLoginPage(page, profile)) throw new SessionExpiredError('routestar', step);
    // Polled inside the page, a second at a time, between the checks below: polling from here costs two browser
    // round trips per poll, and on a busy machine those round trips are a large share of a detail page's time.
    // A failed wait (the page navigated away, or the selector is not plain CSS) is settled by the checks below.
    const drawn = await page
      .waitForFunction((css) => document.querySelector(css) !== null, selector, {
        timeout: Math.max(1, Math.min(1_000, deadline - Date.now())),
        polling: profile.waits.pollMs,
      })
      .then(
        () => true,
        () => false,
      );
    if (onLoginPage(page, profile)) throw new SessionExpiredError('routestar', step);
    if ((await table.count()) > 0) return;
    await throwIfNotDrawn(page, profile, step, deadline, `grid (${profile.grid.table})`);
    if (!drawn) await sleep(profile.waits.pollMs);
  }
}

interface SnapshotArgs {
  root: string;
  scroller: string | null;
  leaveOut: string | null;
  drawMs: number;
}

/**
 * In the page: copies live form state (values typed or set by scripts, checkbox ticks, selected options) into
 * attributes, so the HTML says what the screen shows and the parsers can stay pure, then returns the HTML of `root`.
 * With a `scroller`, Handsontable only keeps the rows in view in the DOM, so `root` is snapshotted while the scroller
 * is moved from top to bottom (the parser merges the snapshots by row header). All of it in one browser round trip:
 * on a busy machine the round trips cost more than the work.
 *
 * Handsontable draws the rows of a new scroll position in its scroll listener. The browser fires that event only
 * with its next frame, which a tab in the background never gets and a busy machine gives late, so the event is sent
 * at once. A grid whose drawn table still does not cover the scroller's view is given a frame (or, in a tab that
 * gets none, 50 ms) at a time, for up to `drawMs`; if it never does, `undrawn` says so, as rows went unseen.
 */
async function snapshotsInPage({
  root,
  scroller,
  leaveOut,
  drawMs,
}: SnapshotArgs): Promise<{ snapshots: string[]; undrawn: boolean }> {
  const element = document.querySelector(root);
  if (element === null) return { snapshots: [], undrawn: false };
  const holder = scroller === null ? null : document.querySelector(scroller);
  if (holder !== null && holder.scrollTop !== 0) {
    holder.scrollTop = 0;
    holder.dispatchEvent(new Event('scroll'));
  }
  const snapshots: string[] = [];
  for (let guard = 0; guard < 200; guard++) {
    // Drawn: the grid's table covers the scroller's view, from its top to its bottom or the end of the content (the
    // scroller's child as tall as every row: a scroller taller than its rows has a scrollHeight of its own height).
    for (const until = Date.now() + drawMs; holder !== null;) {
      const table = holder.querySelector('table');
      const view = holder.getBoundingClientRect();
      const drawn = table?.getBoundingClientRect();
      const content = holder.firstElementChild?.getBoundingClientRect();
      const bottom = Math.min(view.top + holder.clientHeight, content?.bottom ?? Infinity);
      if (drawn === undefined || (drawn.top <= view.top + 1 && drawn.bottom >= bottom - 1)) break;
      if (Date.now() > until) return { snapshots, undrawn: true };
      await new Promise((resolve) => {
        requestAnimationFrame(resolve);
        setTimeout(resolve, 50);
      });
    }
    const current = document.querySelector(root) ?? element;
    // Only what is captured: every attribute set makes the page work out its styles again.
    for (const input of Array.from(current.querySelectorAll('input'))) {
      if (input.type === 'checkbox' || input.type === 'radio') {
        if (input.checked) input.setAttribute('checked', 'checked');
        else input.removeAttribute('checked');
      } else {
        input.setAttribute('value', input.value);
      }
    }
    for (const area of Array.from(current.querySelectorAll('textarea'))) area.textContent = area.value;
    for (const select of Array.from(current.querySelectorAll('select'))) {
      for (const option of Array.from(select.options)) {
        if (option.selected) option.setAttribute('selected', 'selected');
        else option.removeAttribute('selected');
      }
    }
    if (leaveOut === null) {
      snapshots.push(current.outerHTML);
    } else {
      // Left out of a copy: the page's own grid must keep its parts.
      const copy = current.cloneNode(true) as Element;
      for (const part of Array.from(copy.querySelectorAll(leaveOut))) part.remove();
      snapshots.push(copy.outerHTML);
    }
    if (holder === null) break;
    const before = holder.scrollTop;
    holder.scrollTop = before + Math.max(holder.clientHeight - 30, 20);
    if (holder.scrollTop <= before) break;
    holder.dispatchEvent(new Event('scroll'));
  }
  return { snapshots, undrawn: false };
}

/** The grid's master table with the form state, as snapshots taken from the top of its scroller to the bottom. */
export async function captureGrid(
  page: Page,
  profile: RouteStarProfile,
  step: string,
  scope = '',
): Promise<string[]> {
  const root = `${scope} ${profile.grid.master}`.trim();
  const scroller = `${scope} ${profile.grid.scroller}`.trim();
  const { snapshots, undrawn } = await inPage(page, profile, step, () =>
    page.evaluate(snapshotsInPage, { root, scroller, leaveOut: null, drawMs: gridDrawMs }),
  );
  if (undrawn) {
    throw new ListIncompleteError(
      'routestar',
      step,
      `its grid did not draw the rows of a scroll position within ${gridDrawMs} ms`,
      'part of its rows',
    );
  }
  if (snapshots.length === 0) throw new MarkupChangedError('routestar', step, [`the grid (${root}) is gone`]);
  return snapshots;
}

/**
 * The page body with the form state. The head holds the grid library's style sheets and the grid's clone overlays
 * repeat its cells: most of the page, and nothing the parser reads.
 */
function bodyCapture(profile: RouteStarProfile): SnapshotArgs {
  return { root: 'body', scroller: null, leaveOut: profile.grid.overlays, drawMs: 0 };
}

export type PageTurn = 'moved' | 'last-page';

interface PagerArgs {
  container: string;
  active: string;
  next: string;
  disabledClass: string;
  /** Follows `li[data-lp="N"]` to find the link of page N (and not of "next", "last" … which carry numbers too). */
  numberedLink: string;
  rows: string;
  errorBanner: string;
  /**
   * Given to turn the page: the link to click (in the pager), unless a pop-up in `modal` shows (then nothing is
   * clicked and the state says so); `modal` is null once the pop-ups have been dismissed often enough (a DOM click
   * goes through).
   */
  click?: { link: string; modal: string | null };
  /** Given after a click: wait (at most `sliceMs`) until page `target` is shown with a first row other than `before`. */
  wait?: { current: number; target: number; before: string; sliceMs: number; pollMs: number };
}

interface PagerState {
  pager: boolean;
  rows: number;
  /** The active page number, null when the pager shows none. */
  active: number | null;
  /** The number of the page after the active one is shown, so it can be clicked. */
  nextNumberShown: boolean;
  nextEnabled: boolean;
  /** The first data row's text: when it changes after a click, the new page has been drawn. */
  firstRow: string;
  /** Text of the page's error banner, when it shows one. */
  error: string | null;
  /** Why the link was not clicked: a pop-up showed, or the link was not there. */
  unclicked?: 'modal' | 'no-link';
}

/**
 * In the page: what the pager and the grid show. With `click`, clicks the link through the DOM first (a pop-up over
 * the pager cannot intercept that, and it costs no round trips to the browser); with `wait`, polls until the page has
 * changed or `sliceMs` ends.
 */
async function pagerInPage(a: PagerArgs): Promise<PagerState> {
  if (a.click) {
    const modals = a.click.modal === null ? [] : Array.from(document.querySelectorAll(a.click.modal));
    const link = document.querySelector(a.container)?.querySelector<HTMLElement>(a.click.link) ?? null;
    const unclicked = modals.some((el) => el.checkVisibility({ visibilityProperty: true }))
      ? 'modal'
      : link === null
        ? 'no-link'
        : null;
    if (unclicked !== null)
      return {
        pager: true,
        rows: 0,
        active: null,
        nextNumberShown: false,
        nextEnabled: false,
        firstRow: '',
        error: null,
        unclicked,
      };
    link!.click();
  }
  const until = Date.now() + (a.wait?.sliceMs ?? 0);
  for (;;) {
    const pager = document.querySelector(a.container);
    const first = document.querySelector(a.rows);
    const banner = document.querySelector(a.errorBanner);
    const activeItem = pager?.querySelector(a.active) ?? null;
    const number = Number(activeItem?.getAttribute('data-lp') ?? activeItem?.textContent);
    const active = activeItem !== null && Number.isFinite(number) && number > 0 ? number : null;
    const nextNumber =
      active === null ? null : pager?.querySelector(`li[data-lp="${active + 1}"]${a.numberedLink}`);
    const next = pager?.querySelector(a.next) ?? null;
    const state: PagerState = {
      pager: pager !== null,
      rows: document.querySelectorAll(a.rows).length,
      active,
      nextNumberShown: nextNumber?.checkVisibility() ?? false,
      nextEnabled: next !== null && !next.classList.contains(a.disabledClass),
      firstRow:
        first === null
          ? ''
          : Array.from(first.querySelectorAll('td'))
              .map((td) => td.textContent ?? '')
              .join('|'),
      error: banner?.checkVisibility({ visibilityProperty: true }) ? (banner.textContent ?? '').trim() : null,
    };
    const w = a.wait;
    if (w === undefined || state.error !== null || Date.now() > until) return state;
    if (state.active !== null && state.active !== w.current && state.active !== w.target) return state;
    if (state.active === w.target && state.firstRow !== w.before) return state;
    await new Promise((resolve) => setTimeout(resolve, w.pollMs));
  }
}

/**
 * Moves to the next page of a bootpag pager: the page number current+1 when shown, else "next" (which, at the end of
 * a block, shows the next block starting at current+1). Waits for evidence that the grid shows the new page — the
 * pager on it and the first row changed; the pager moves as soon as it is clicked, the grid only once its data is in
 * and drawn — and fails when that does not come within the profile's wait: stopping there instead would report a
 * partly read list as complete. The click and the wait happen inside the page, a second at a time, like the detail
 * page's tab (see readInvoiceDetail); a pop-up showing before the click is dismissed first.
 */
export async function goToNextPage(page: Page, profile: RouteStarProfile, step: string): Promise<PageTurn> {
  const args: PagerArgs = {
    container: profile.pager.container,
    active: profile.pager.active,
    next: profile.pager.next,
    disabledClass: profile.pager.disabledClass,
    numberedLink: `:not(${profile.pager.next}):not(.prev):not(.first):not(.last) a`,
    rows: `${profile.grid.table} tbody tr`,
    errorBanner: profile.grid.errorBanner,
  };
  const before = await inPage(page, profile, step, () => page.evaluate(pagerInPage, args));
  if (!before.pager) {
    // No pager is normal for an empty list only; taking a missing one for "last page" would end every read at page 1.
    if (before.rows === 0) return 'last-page';
    throw new MarkupChangedError('routestar', step, [
      `the pager (${profile.pager.container}) was not found although the grid shows rows`,
    ]);
  }
  const current = before.active;
  if (current === null)
    throw new MarkupChangedError('routestar', step, [
      `active page (${profile.pager.active}) not found in the pager`,
    ]);
  if (!before.nextNumberShown && !before.nextEnabled) return 'last-page';
  const target = current + 1;
  const link = before.nextNumberShown
    ? `li[data-lp="${target}"]${args.numberedLink}`
    : `:is(${profile.pager.next}) a`;
  const deadline = Date.now() + profile.waits.pageChangeMs;
  let click: PagerArgs['click'] = { link, modal: profile.modals.open };
  for (let dismissals = 0; ;) {
    if (onLoginPage(page, profile)) throw new SessionExpiredError('routestar', step);
    const wait: PagerArgs['wait'] = {
      current,
      target,
      before: before.firstRow,
      sliceMs: Math.max(1, Math.min(1_000, deadline - Date.now())),
      pollMs: profile.waits.pollMs,
    };
    const now: PagerState = await inPage(page, profile, step, () =>
      page.evaluate(pagerInPage, { ...args, click, wait }),
    );
    if (now.unclicked === 'no-link')
      throw new MarkupChangedError('routestar', step, [
        `the link to page ${target} (${link}) was not found in the pager (${profile.pager.container})`,
      ]);
    if (now.unclicked === 'modal') {
      dismissals += 1;
      await dismissModals(page, profile);
      click = { link, modal: dismissals < 5 ? profile.modals.open : null };
      continue;
    }
    click = undefined;
    if (now.error !== null)
      throw new PortalUnavailableError(
        'routestar',
        step,
        `page ${target} did not load: the page reported "${now.error}"`,
      );
    if (now.active !== null && now.active !== target && now.active !== current) {
      throw new MarkupChangedError('routestar', step, [
        `the pager went from page ${current} to ${now.active} instead of ${target}`,
      ]);
    }
    if (now.active === target && now.firstRow !== before.firstRow) return 'moved';
    if (Date.now() > deadline) {
      throw new PortalUnavailableError(
        'routestar',
        step,
        `page ${target} was not drawn within ${Math.round(profile.waits.pageChangeMs / 1000)} s of clicking it ` +
          `(the pager shows page ${now.active ?? '?'}, the grid still shows the rows of page ${current})`,
      );
    }
  }
}

interface WindowArgs {
  values: string[];
  grid: string;
}

/**
 * In the page: sets both date inputs before announcing either change, so every reload the page starts asks for the
 * whole new window, and watches the grid so the redraw that follows can be told from the grid drawn before. False
 * when the inputs already show the window.
 */
function setWindowInPage(elements: Element[], { values, grid }: WindowArgs): boolean {
  const inputs = elements.slice(0, 2) as HTMLInputElement[];
  const changed = inputs.filter((input, i) => input.value !== values[i]);
  if (changed.length === 0) return false;
  const state = globalThis as unknown as { syncworkerRedrawn?: boolean };
  state.syncworkerRedrawn = false;
  const drawn = document.querySelector(grid);
  if (drawn !== null) {
    new MutationObserver((_, observer) => {
      state.syncworkerRedrawn = true;
      observer.disconnect();
    }).observe(drawn, { childList: true, subtree: true, characterData: true });
  }
  inputs.forEach((input, i) => (input.value = values[i] ?? ''));
  for (const input of changed) {
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }
  return true;
}

/**
 * Sets the closed list's from/to date inputs (the page's default window is narrow, so leaving it alone silently
 * misses invoices) and waits for evidence that the grid shows the new window: its redraw after the change, not a
 * quiet network, which a page that draws after its data arrives reaches too early.
 */
export async function setDateWindow(
  page: Page,
  profile: RouteStarProfile,
  dates: { from: string; to: string },
  step: string,
): Promise<void> {
  const inputs = page.locator(profile.closedWindow.inputs);
  if ((await inputs.count()) < 2) {
    throw new MarkupChangedError('routestar', step, [
      `the two date inputs (${profile.closedWindow.inputs}) were not found, so the list would show only its default window`,
    ]);
  }
  await dismissModals(page, profile);
  const changed = await inPage(page, profile, step, () =>
    inputs.evaluateAll(setWindowInPage, { values: [dates.from, dates.to], grid: profile.grid.master }),
  );
  if (changed) {
    const redrawn = await inPage(page, profile, step, () =>
      page
        .waitForFunction(
          (banner) =>
            (globalThis as unknown as { syncworkerRedrawn?: boolean }).syncworkerRedrawn === true ||
            document.querySelector(banner)?.checkVisibility({ visibilityProperty: true }) === true,
          profile.grid.errorBanner,
          { timeout: profile.waits.gridMs, polling: profile.waits.pollMs },
        )
        .then(
          () => true,
          (error: unknown) => {
            if (error instanceof Error && error.name === 'TimeoutError') return false;
            throw error;
          },
        ),
    );
    const banner = await errorBanner(page, profile);
    if (banner !== null) throw new PortalUnavailableError('routestar', step, `the page reported "${banner}"`);
    if (!redrawn) {
      throw new PortalUnavailableError(
        'routestar',
        step,
        `the list was not drawn again within ${Math.round(profile.waits.gridMs / 1000)} s of setting its date window`,
      );
    }
  }
  const shown = await inputs.evaluateAll((els) =>
    els.slice(0, 2).map((el) => (el as HTMLInputElement).value),
  );
  if (shown[0] !== dates.from || shown[1] !== dates.to) {
    throw new MarkupChangedError('routestar', step, [
      `the date inputs show ${shown.join(' to ')} after setting ${dates.from} to ${dates.to}`,
    ]);
  }
  await waitForGrid(page, profile, step);
}

/** Where a list's tab stands: the page of the list it shows, so the next page is one click away. */
export interface ListPosition {
  page: Page;
  pageNo: number;
}

export interface ListInTab {
  /** The list's route, e.g. /web/closedinvoices/. */
  route: string;
  /** The date window set on the list, for the closed invoices. */
  window?: { from: string; to: string };
  /** Set once a page is shown; cleared while an attempt runs, so an attempt that failed opens the list again. */
  at?: ListPosition;
}

export type ListTurn = 'shown' | 'last-page';

/**
 * Shows page `pageNo` of a list in the visit's tab: one click on from the page before. When the tab no longer shows
 * the page before (after a new login, a recycled context, a page sent back to its start), the list is opened again
 * and paged forward to it first. "last-page" when the page before was the last one.
 */
export async function showListPage(
  visit: Visit,
  list: ListInTab,
  pageNo: number,
  profile: RouteStarProfile,
): Promise<{ page: Page; turn: ListTurn }> {
  const page = await visit.tab();
  const at = list.at;
  list.at = undefined;
  if (pageNo === 1 || at?.page !== page || at.pageNo !== pageNo - 1 || page.isClosed()) {
    await visit.goto(page, list.route);
    await waitForGrid(page, profile, visit.where);
    if (list.window) await setDateWindow(page, profile, list.window, visit.where);
    for (let n = 2; n < pageNo; n++) {
      if ((await goToNextPage(page, profile, visit.where)) !== 'moved') {
        throw new MarkupChangedError('routestar', visit.where, [
          `could not page forward to page ${n} again after opening the list anew`,
        ]);
      }
    }
  }
  if (pageNo > 1) {
    const turn = await goToNextPage(page, profile, visit.where);
    if (turn !== 'moved') return { page, turn };
  }
  list.at = { page, pageNo };
  return { page, turn: 'shown' };
}

interface LinesTabArgs {
  required: string[];
  /** Pop-ups to report; null once they have been dismissed often enough (the DOM click goes through them anyway). */
  modal: string | null;
  tab: string;
  grid: string;
  sliceMs: number;
  pollMs: number;
}

type LinesTabState = 'drawn' | 'modal' | 'no-tab' | 'waiting';

/**
 * In the page, for at most `sliceMs`: waits for the late totals (the page raises its pop-ups when they arrive),
 * reports a visible pop-up, else opens the "Line Items" tab and waits for its grid. The tab is clicked through the
 * DOM, which a pop-up cannot intercept.
 */
async function openLinesTabInPage(a: LinesTabArgs): Promise<LinesTabState> {
  const until = Date.now() + a.sliceMs;
  while (
    !a.required.every((selector) => {
      const el = document.querySelector<HTMLInputElement>(selector);
      return el === null || el.value !== '';
    })
  ) {
    if (Date.now() > until) return 'waiting';
    await new Promise((resolve) => setTimeout(resolve, a.pollMs));
  }
  for (const el of a.modal === null ? [] : Array.from(document.querySelectorAll(a.modal))) {
    if (el.checkVisibility({ visibilityProperty: true })) return 'modal';
  }
  if (document.querySelector(a.grid) !== null) return 'drawn';
  const tab = document.querySelector<HTMLElement>(a.tab);
  if (tab === null) return 'no-tab';
  tab.click();
  while (document.querySelector(a.grid) === null) {
    if (Date.now() > until) return 'waiting';
    await new Promise((resolve) => setTimeout(resolve, a.pollMs));
  }
  return 'drawn';
}

/**
 * In the page: opens the "Line Items" tab as above and, once its grid is drawn, captures the page body in the same
 * evaluation, one browser round trip fewer per invoice. The two functions are composed as source, and called with
 * their arguments written into it, because an evaluated function cannot call another one of this module.
 */
const linesTabThenBodyInPage = `async ({ tab, body }) => {
  const state = await (${openLinesTabInPage.toString()})(tab);
  if (state !== 'drawn') return { state };
  const { snapshots } = await (${snapshotsInPage.toString()})(body);
  return { state, body: snapshots[0] ?? '' };
}`;

/**
 * Opens the "Line Items" tab (without it the line grid is never drawn), waits for its grid and returns the page body
 * with its form state. The waiting happens in the page, a second at a time; between those slices a redirect to the
 * login page, the page's error banner and the deadline end it.
 */
export async function readInvoiceDetail(
  page: Page,
  profile: RouteStarProfile,
  step: string,
): Promise<string> {
  const deadline = Date.now() + profile.waits.gridMs;
  const args: Omit<LinesTabArgs, 'sliceMs' | 'modal'> = {
    required: profile.detail.requiredFields.map((field) => profile.detail.fields[field]),
    tab: profile.detail.linesTab,
    grid: `${profile.detail.linesGrid} ${profile.grid.table}`,
    pollMs: profile.waits.pollMs,
  };
  const body = bodyCapture(profile);
  for (let dismissals = 0; ;) {
    if (onLoginPage(page, profile)) throw new SessionExpiredError('routestar', step);
    const sliceMs = Math.max(1, Math.min(1_000, deadline - Date.now()));
    const modal = dismissals < 5 ? profile.modals.open : null;
    const read = await inPage(page, profile, step, () =>
      page.evaluate<{ state: LinesTabState; body?: string }>(
        `(${linesTabThenBodyInPage})(${JSON.stringify({ tab: { ...args, modal, sliceMs }, body })})`,
      ),
    );
    if (read.state === 'drawn') return read.body ?? '';
    if (read.state === 'no-tab') {
      throw new MarkupChangedError('routestar', step, [
        `the "Line Items" tab (${profile.detail.linesTab}) was not found`,
      ]);
    }
    if (read.state === 'modal') {
      dismissals += 1;
      await dismissModals(page, profile);
      continue;
    }
    await throwIfNotDrawn(page, profile, step, deadline, `line items grid (${args.grid})`);
  }
}

function listSizeInPage(a: {
  container: string;
  next: string;
  disabledClass: string;
  rowCount: string | null;
}): ListSize {
  const pager = document.querySelector(a.container);
  const numbers = Array.from(pager?.querySelectorAll('li[data-lp]') ?? [])
    .map((li) => Number(li.getAttribute('data-lp')))
    .filter((n) => Number.isFinite(n));
  const next = pager?.querySelector(a.next) ?? null;
  const count = a.rowCount === null ? null : document.querySelector(a.rowCount);
  return {
    lastPageShown: numbers.length > 0 ? Math.max(...numbers) : null,
    nextEnabled: next !== null && !next.classList.contains(a.disabledClass),
    rowCount: count === null ? null : (count.textContent ?? '').trim() || null,
  };
}

/** Reads what the list page shows of its size: its pager and its record count. */
export async function readListSize(page: Page, profile: RouteStarProfile, step: string): Promise<ListSize> {
  return inPage(page, profile, step, () =>
    page.evaluate(listSizeInPage, {
      container: profile.pager.container,
      next: profile.pager.next,
      disabledClass: profile.pager.disabledClass,
      rowCount: profile.grid.rowCount?.selector ?? null,
    }),
  );
}
