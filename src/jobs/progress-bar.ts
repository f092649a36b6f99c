/** One terminal line for a run in progress, e.g. `[██████░░░░] 50.0% 4000/8000 items · 812.5/s · ETA 0:05 · running`. */

export interface ProgressView {
  processed: number;
  total?: number;
  perSecond?: number;
  etaSeconds?: number;
  unit: string;
  state: string;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`
    : `${m}:${String(s).padStart(2, '0')}`;
}

export function renderProgressBar(view: ProgressView, width = 30): string {
  const fraction = view.total ? Math.min(1, view.processed / view.total) : view.state === 'finished' ? 1 : 0;
  const filled = Math.round(fraction * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const percent = view.total || view.state === 'finished' ? `${(fraction * 100).toFixed(1)}%` : '?%';
  const details = [
    `${view.processed}/${view.total ?? '?'} ${view.unit}`,
    ...(view.perSecond !== undefined ? [`${view.perSecond}/s`] : []),
    ...(view.etaSeconds !== undefined && view.state === 'running'
      ? [`ETA ${formatDuration(view.etaSeconds)}`]
      : []),
    view.state,
  ];
  return `${bar} ${percent} ${details.join(' · ')}`;
}
