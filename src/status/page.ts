/**
 * The status page's HTML, rendered on the server: the systems table, the open alerts panel and the chart frames. The
 * small script at the end draws the charts with uPlot and refreshes the page's parts when a run changes.
 */
import type { StatusCharts } from './charts.js';
import type { SystemStatus } from './systems.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** JSON inside a <script> element: "<" escaped so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

function time(at: Date | null | undefined): string {
  if (!at) return '<span class="muted">—</span>';
  const iso = at.toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

function row(system: SystemStatus): string {
  const failure = system.lastFailure
    ? `${time(system.lastFailure.at)} <span class="status-${system.lastFailure.status}">${system.lastFailure.status}</span>
       <div class="message">${escapeHtml(system.lastFailure.message)}</div>`
    : time(null);
  const button = system.runNowJob
    ? `<button type="button" class="run-now" data-job="${escapeHtml(system.runNowJob)}"${
        system.state === 'not configured' ? ' disabled' : ''
      }>Run now</button><div class="queued" aria-live="polite"></div>`
    : '';
  return `<tr data-system="${escapeHtml(system.name)}" data-state="${system.state}">
  <th scope="row">${escapeHtml(system.name)}</th>
  <td><span class="state state-${system.state.replace(' ', '-')}">${system.state}</span>
      <div class="message">${escapeHtml(system.detail)}</div></td>
  <td>${system.lastSuccess ? time(system.lastSuccess.at) : time(null)}</td>
  <td>${failure}</td>
  <td>${time(system.nextRunAt)}</td>
  <td>${button}</td>
</tr>`;
}

export function systemRows(systems: SystemStatus[]): string {
  if (systems.length === 0) return '<tr><td colspan="6">No system is part of this worker.</td></tr>';
  return systems.map(row).join('\n');
}

const styles = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.4rem; margin: 1rem 0 .2rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
.muted, .message { color: #5b6472; font-size: 12px; } .message { max-width: 32rem; }
table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0001; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: #5b6472; }
.state { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-weight: 600; font-size: 12px; }
.state-healthy { background: #dcf5e3; color: #14632f; } .state-stale { background: #fff1c9; color: #7a5300; }
.state-failing { background: #fde0e0; color: #8f1d1d; } .state-not-configured { background: #e9ebef; color: #4a5261; }
.status-failed { color: #8f1d1d; font-weight: 600; } .status-partial { color: #7a5300; font-weight: 600; }
button { font: inherit; padding: .2rem .7rem; border: 1px solid #8a94a6; border-radius: 4px; background: #fff; cursor: pointer; }
button:disabled { opacity: .45; cursor: default; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 1rem; }
.chart { background: #fff; padding: .6rem; box-shadow: 0 1px 2px #0001; min-height: 260px; }
.chart h3 { font-size: 13px; margin: 0 0 .3rem; }
#alerts { background: #fff; padding: .6rem .8rem; box-shadow: 0 1px 2px #0001; }
#alerts li { margin: .2rem 0; } .live { font-size: 12px; color: #5b6472; }
`;

const script = `
const data = JSON.parse(document.getElementById('status-data').textContent);
const colours = ['#2f7d4f', '#c98a00', '#c0392b', '#3867d6', '#8e44ad', '#16a085', '#7f8c8d'];
const charts = {};
function draw(id, series, options) {
  const frame = document.getElementById(id);
  charts[id]?.destroy();
  const opts = {
    width: frame.clientWidth - 12, height: 220, legend: { live: false },
    scales: { x: { time: true } },
    series: [{}, ...series.lines.map((line, i) => ({
      label: line.label, stroke: colours[i % colours.length], width: 2,
      ...(options.points ? { paths: () => null, points: { show: true, size: 7, fill: colours[i % colours.length] } } : {}),
      ...(options.bars ? { paths: uPlot.paths.bars({ size: [0.6, 40] }), points: { show: false }, fill: colours[i % colours.length] + 'cc' } : {}),
    }))],
    axes: [{}, { label: options.unit, size: 50 }],
  };
  // Stacked bars: each bar is drawn from zero to the sum of its own line and those after it, the first at the back.
  const values = series.lines.map((l, i) =>
    options.bars ? l.values.map((_, k) => series.lines.slice(i).reduce((sum, m) => sum + (m.values[k] ?? 0), 0)) : l.values);
  charts[id] = new uPlot(opts, [series.x, ...values], frame.querySelector('.plot'));
}
function drawAll(c) {
  draw('runs-per-day', c.runsPerDay, { bars: true, unit: 'runs' });
  draw('records-per-run', c.recordsPerRun, { points: true, unit: 'records' });
  draw('durations', c.durations, { points: true, unit: 'seconds' });
  draw('movements-per-day', c.movementsPerDay, { bars: true, unit: 'quantity' });
  const select = document.getElementById('item');
  const chosen = select.value;
  select.replaceChildren(...c.items.map((sku) => new Option(sku, sku, false, sku === chosen)));
  if (c.items.length > 0) onHand(select.value);
}
async function onHand(sku) {
  const response = await fetch('status/on-hand.json?sku=' + encodeURIComponent(sku));
  if (response.ok) draw('on-hand', await response.json(), { unit: 'on hand' });
}
document.getElementById('item').addEventListener('change', (e) => onHand(e.target.value));
async function alerts() {
  const panel = document.getElementById('alerts');
  const response = await fetch('api/alerts?status=open').catch(() => null);
  if (!response || response.status === 404) { panel.textContent = 'Alerts are not set up.'; return; }
  if (!response.ok) { panel.textContent = 'Alerts could not be read (' + response.status + ').'; return; }
  const body = await response.json();
  const items = Array.isArray(body) ? body : (body.items ?? []);
  if (items.length === 0) { panel.textContent = 'No open alerts.'; return; }
  const list = document.createElement('ul');
  for (const alert of items) {
    const li = document.createElement('li');
    const when = alert.openedAt ?? alert.createdAt ?? alert.firstSeenAt ?? '';
    li.textContent = [alert.severity, alert.title ?? alert.summary ?? alert.message ?? alert.rule, when && '(since ' + when + ')']
      .filter(Boolean).join(' · ');
    list.append(li);
  }
  panel.replaceChildren(list);
}
document.getElementById('systems').addEventListener('click', async (event) => {
  const button = event.target.closest('button.run-now');
  if (!button) return;
  button.disabled = true;
  const note = button.parentElement.querySelector('.queued');
  const response = await fetch('api/jobs/' + encodeURIComponent(button.dataset.job) + '/run', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  const body = await response.json().catch(() => ({}));
  note.textContent = response.ok ? 'Queued run ' + body.runId : (body.detail ?? 'Could not queue: ' + response.status);
  button.disabled = false;
});
let refreshing = null;
function refresh() {
  clearTimeout(refreshing);
  refreshing = setTimeout(async () => {
    const [rows, chartData] = await Promise.all([fetch('status/systems'), fetch('status/charts.json')]);
    if (rows.ok) document.getElementById('systems').innerHTML = await rows.text();
    if (chartData.ok) drawAll(await chartData.json());
    alerts();
  }, 500);
}
const live = document.getElementById('live');
const events = new EventSource('status/events');
events.onopen = () => { live.textContent = 'Live: updates as runs change.'; };
events.onerror = () => { live.textContent = 'Live updates interrupted; reconnecting…'; };
events.addEventListener('run', (event) => {
  const run = JSON.parse(event.data);
  live.textContent = 'Live: ' + run.job + ' ' + run.status + ' at ' + new Date().toLocaleTimeString();
  refresh();
});
drawAll(data.charts);
alerts();
`;

export interface StatusPageInput {
  systems: SystemStatus[];
  charts: StatusCharts;
  version: string;
  now: Date;
}

export function statusPage(input: StatusPageInput): string {
  const chart = (id: string, title: string, extra = '') =>
    `<section class="chart" id="${id}"><h3>${title}</h3>${extra}<div class="plot"></div></section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="../">
<title>syncworker status</title>
<link rel="stylesheet" href="status/assets/uPlot.min.css">
<style>${styles}</style>
</head>
<body>
<h1>syncworker status</h1>
<div class="muted">Version ${escapeHtml(input.version)} · rendered ${time(input.now)} · <a href="dash/">jobs dashboard</a></div>
<div id="live" class="live">Connecting for live updates…</div>
<h2>Systems</h2>
<table>
<thead><tr><th>System</th><th>State</th><th>Last success</th><th>Last failure</th><th>Next run</th><th></th></tr></thead>
<tbody id="systems">
${systemRows(input.systems)}
</tbody>
</table>
<h2>Open alerts</h2>
<div id="alerts">Reading alerts…</div>
<h2>Charts</h2>
<div class="grid">
${chart('runs-per-day', 'Runs per day by outcome (14 days)')}
${chart('records-per-run', 'Records per run (last 200 runs)')}
${chart('durations', 'Run durations by system (last 200 runs)')}
${chart('movements-per-day', 'Stock movements per day (30 days)')}
${chart('on-hand', 'On hand over time', '<label>Item <select id="item"></select></label>')}
</div>
<script id="status-data" type="application/json">${scriptJson({ charts: input.charts })}</script>
<script src="status/assets/uPlot.iife.min.js"></script>
<script>${script}</script>
</body>
</html>`;
}
