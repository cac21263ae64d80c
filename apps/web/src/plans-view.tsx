// Launch plans with their gates and who signed each, refetched when the feed reports a change.
import { GATES, type PlanView } from '../../../libs/protocol/src/index.js';
import type { Api } from './api.js';
import { ErrorLine, Pill, time } from './format.js';
import { useLoad } from './hooks.js';

const GATE_NAMES: Record<(typeof GATES)[number], string> = { code_review: 'code review', qa: 'QA', supervisor: 'supervisor', dispatcher: 'dispatcher' };

export function PlansView({ api, version }: { api: Api; version: number }) {
  const plans = useLoad(() => api<PlanView[]>('GET', '/api/v1/plans?limit=200'), [version]);
  return (
    <section>
      <ErrorLine error={plans.error} />
      {plans.data?.length === 0 ? <p class="empty">No plans yet.</p> : null}
      {plans.data?.map((plan) => (
        <div class="card" key={plan.id} data-testid="plan" data-plan={plan.id}>
          <h2>
            {plan.title} <Pill kind={plan.status}>{plan.status.replace('_', ' ')}</Pill>
          </h2>
          <p class="muted">
            by {plan.author} · revision {plan.revision} · launch {time(plan.plannedLaunchAt)} ·{' '}
            {plan.spec.releases.map((r) => `${r.service} ${r.image}`).join(', ')} to {plan.spec.targetDatacenters.join(', ')}
          </p>
          <div class="gates">
            {GATES.map((gate) => {
              const signature = plan.signatures.filter((s) => s.gate === gate && s.current).at(-1);
              return (
                <div class={`gate gate-${plan.gates[gate]}`} key={gate} data-testid="gate" data-gate={gate} data-state={plan.gates[gate]}>
                  <div class="gate-name">{GATE_NAMES[gate]}</div>
                  <div>{plan.gates[gate]}</div>
                  {signature ? (
                    <div class="muted" title={signature.comment}>
                      {signature.signedBy}, {time(signature.signedAt)}
                    </div>
                  ) : null}
                </div>
              );
            })}
          </div>
          {plan.rejection ? (
            <p class="error">
              rejected at {plan.rejection.gate} by {plan.rejection.by}: {plan.rejection.comment}
            </p>
          ) : null}
        </div>
      ))}
    </section>
  );
}
