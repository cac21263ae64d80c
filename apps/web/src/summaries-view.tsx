// Launch summaries on a timeline: each one's window on a shared time axis, with its
// plans in start order.
import type { PlanView, SummaryView } from '../../../libs/protocol/src/index.js';
import type { Api } from './api.js';
import { ErrorLine, Pill, shortId, time } from './format.js';
import { useLoad } from './hooks.js';

export function SummariesView({ api, version, plansVersion }: { api: Api; version: number; plansVersion: number }) {
  const summaries = useLoad(() => api<SummaryView[]>('GET', '/api/v1/summaries'), [version]);
  const plans = useLoad(() => api<PlanView[]>('GET', '/api/v1/plans?limit=500'), [plansVersion]);
  const list = [...(summaries.data ?? [])].sort((a, b) => a.window.start.localeCompare(b.window.start));
  const titles = new Map((plans.data ?? []).map((p) => [p.id, p.title]));
  const now = Date.now();
  const starts = list.map((s) => Date.parse(s.window.start));
  const ends = list.map((s) => Date.parse(s.window.end));
  const from = Math.min(now, ...starts);
  const to = Math.max(now, ...ends);
  const span = Math.max(to - from, 1);
  const at = (ms: number) => `${((ms - from) / span) * 100}%`;
  return (
    <section>
      <ErrorLine error={summaries.error ?? plans.error} />
      {summaries.data && list.length === 0 ? <p class="empty">No launch summaries yet.</p> : null}
      {list.length > 0 ? (
        <div class="card timeline">
          <div class="axis">
            <span>{time(new Date(from))}</span>
            <span>{time(new Date(to))}</span>
          </div>
          <div class="lanes">
            <div class="now" style={{ left: at(now) }} title="now" />
            {list.map((summary) => {
              const start = Date.parse(summary.window.start);
              const end = Date.parse(summary.window.end);
              return (
                <div class="lane" key={summary.id} data-testid="summary" data-summary={summary.id}>
                  <div class={`bar bar-${summary.status}`} style={{ left: at(start), width: `max(${((end - start) / span) * 100}%, 4px)` }} title={`${time(summary.window.start)} – ${time(summary.window.end)}`} />
                  <div class="lane-label">
                    <strong>{summary.title}</strong> <Pill kind={summary.status}>{summary.status}</Pill>{' '}
                    <span class="muted">
                      {time(summary.window.start)} – {time(summary.window.end)} · by user {shortId(summary.createdBy)}
                    </span>
                    <ol class="summary-plans">
                      {summary.plans.map((p) => (
                        <li key={p.planId}>
                          {p.withPrevious ? <span class="muted">with previous · </span> : null}
                          {titles.get(p.planId) ?? p.planId}
                        </li>
                      ))}
                    </ol>
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      ) : null}
    </section>
  );
}
