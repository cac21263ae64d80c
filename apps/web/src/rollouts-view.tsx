// Every rollout, newest first: the HTTP list, overlaid with what the feed has heard since.
import type { PlanView, RolloutView } from '../../../libs/protocol/src/index.js';
import type { Api } from './api.js';
import type { WatchedRollout } from './feed.js';
import { ErrorLine, Pill, shortId, startedBy, time } from './format.js';
import { useLoad } from './hooks.js';

export function RolloutsView({ api, live, version, plansVersion }: { api: Api; live: ReadonlyMap<string, WatchedRollout>; version: number; plansVersion: number }) {
  const listed = useLoad(() => api<RolloutView[]>('GET', '/api/v1/rollouts'), [version]);
  const plans = useLoad(() => api<PlanView[]>('GET', '/api/v1/plans?limit=500'), [plansVersion]);
  const byId = new Map((listed.data ?? []).map((r) => [r.id, r]));
  for (const { view } of live.values()) {
    const known = byId.get(view.id);
    if (!known || view.updatedAt >= known.updatedAt) byId.set(view.id, view);
  }
  const rollouts = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const titles = new Map((plans.data ?? []).map((p) => [p.id, p.title]));
  return (
    <section>
      <ErrorLine error={listed.error} />
      {listed.data && rollouts.length === 0 ? <p class="empty">No rollouts yet.</p> : null}
      {rollouts.length > 0 ? (
        <table class="card">
          <thead>
            <tr>
              <th>rollout</th>
              <th>plan</th>
              <th>status</th>
              <th>where</th>
              <th>hosts done</th>
              <th>started</th>
            </tr>
          </thead>
          <tbody>
            {rollouts.map((r) => (
              <tr key={r.id} data-testid="rollout-row" data-rollout={r.id}>
                <td class="mono">
                  <a href={`#/rollouts/${r.id}`}>{shortId(r.id)}</a>
                </td>
                <td>{titles.get(r.planId) ?? shortId(r.planId)}</td>
                <td>
                  <Pill kind={r.status}>{r.status}</Pill>
                </td>
                <td>
                  {r.stage} {r.datacenter ?? ''} {r.batch ? `batch ${r.batch.number}/${r.batch.of}` : ''}
                </td>
                <td>
                  {r.hostCounts.done}/{r.hostCounts.begun}
                </td>
                <td class="muted">
                  {time(r.createdAt)} {startedBy(r)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
