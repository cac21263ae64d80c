// The judgment chart: the new release's 5xx and error ratios against the old release's,
// one point per evaluation, over time, with the plan's thresholds. Read from the
// rollout's analysis, again whenever the rollout reports another evaluation.
import type { RolloutAnalysis, RolloutView } from '../../../libs/protocol/src/index.js';
import type { Api } from './api.js';
import { clock, ErrorLine } from './format.js';
import { useLoad } from './hooks.js';

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 24 };
const SERIES = [
  { key: 'new5xxRatio', label: 'new 5xx', class: 'series-new' },
  { key: 'old5xxRatio', label: 'old 5xx', class: 'series-old' },
  { key: 'newErrorRatio', label: 'new errors', class: 'series-new dashed' },
  { key: 'oldErrorRatio', label: 'old errors', class: 'series-old dashed' },
] as const;

export function JudgmentChart({ api, view }: { api: Api; view: RolloutView }) {
  // A new evaluation changes the count; a window's end changes the result.
  const marker = `${view.judgment?.scope}:${view.judgment?.evaluations}:${view.judgment?.result}:${view.status}`;
  const analysis = useLoad(() => api<RolloutAnalysis>('GET', `/api/v1/rollouts/${view.id}/analysis`), [view.id, marker]);
  const judgments = analysis.data?.judgments ?? [];
  return (
    <div class="card chart" data-testid="judgment-chart" data-points={judgments.length}>
      <h3>
        Judgment{' '}
        {view.judgment ? (
          <span class="muted">
            {view.judgment.scope}: {view.judgment.evaluations} evaluation(s){view.judgment.result ? `, ${view.judgment.result}` : ''}
          </span>
        ) : null}
      </h3>
      <ErrorLine error={analysis.error} />
      {judgments.length === 0 ? <p class="empty">No evaluation yet: the ramp and the pauses after batches are judged.</p> : <Plot analysis={analysis.data!} />}
    </div>
  );
}

function Plot({ analysis }: { analysis: RolloutAnalysis }) {
  const points = analysis.judgments.map((j) => ({ at: Date.parse(j.at), figures: j.figures, verdict: j.verdict }));
  const thresholds = analysis.thresholds ?? {};
  const limits = [thresholds.max5xxRatio, thresholds.maxErrorRatio].filter((v): v is number => typeof v === 'number');
  const top = Math.max(0.01, ...limits, ...points.flatMap((p) => SERIES.map((s) => p.figures[s.key]))) * 1.1;
  const first = points[0]!.at;
  const span = Math.max(1, points.at(-1)!.at - first);
  const x = (at: number) => PAD.left + ((at - first) / span) * (WIDTH - PAD.left - PAD.right);
  const y = (ratio: number) => HEIGHT - PAD.bottom - (ratio / top) * (HEIGHT - PAD.top - PAD.bottom);
  const percent = (ratio: number) => `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
  return (
    <>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="new versus old error ratios per evaluation">
        {[0, top / 2, top].map((tick) => (
          <g key={tick}>
            <line class="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text x={PAD.left - 4} y={y(tick) + 4} text-anchor="end">
              {percent(tick)}
            </text>
          </g>
        ))}
        {thresholds.max5xxRatio !== undefined ? <line class="threshold" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(thresholds.max5xxRatio)} y2={y(thresholds.max5xxRatio)} /> : null}
        {SERIES.map((series) => (
          <polyline key={series.key} class={series.class} points={points.map((p) => `${x(p.at)},${y(p.figures[series.key])}`).join(' ')} />
        ))}
        {points.map((p) => (
          <circle key={p.at} class={`verdict-${p.verdict}`} cx={x(p.at)} cy={y(p.figures.new5xxRatio)} r={3.5}>
            <title>
              {clock(new Date(p.at))} {p.verdict}: {p.figures.newRequests} new requests, 5xx {percent(p.figures.new5xxRatio)} (old {percent(p.figures.old5xxRatio)})
            </title>
          </circle>
        ))}
        <text x={PAD.left} y={HEIGHT - 6}>
          {clock(new Date(first))}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">
          {clock(new Date(points.at(-1)!.at))}
        </text>
      </svg>
      <div class="legend">
        {SERIES.map((series) => (
          <span key={series.key} class={`swatch ${series.class}`}>
            {series.label}
          </span>
        ))}
        {thresholds.max5xxRatio !== undefined ? <span class="swatch threshold">5xx limit {percent(thresholds.max5xxRatio)}</span> : null}
      </div>
    </>
  );
}
