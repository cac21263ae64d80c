// How a rollout is shown: its unit as stage, datacenter and batch, and every host's step.
import { batchesOf, hostSteps, type HostProgress, type RolloutSpec, type RolloutState } from '../../../../libs/domain/src/index.js';
import type { HostStepView, RolloutView } from '../../../../libs/protocol/src/index.js';
import type { EngineRollout } from './rollout-state.repository.js';

export function toRolloutView(rollout: EngineRollout): RolloutView {
  const state = rollout.state;
  const spec = rollout.spec;
  const unit = state?.unit;
  const wave = unit && 'wave' in unit ? spec?.waves[unit.wave] : undefined;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    id: rollout.id,
    planId: rollout.planId,
    summaryId: rollout.summaryId,
    status: (state?.status ?? rollout.status) as RolloutView['status'],
    startedBy: rollout.startedBy,
    emergency: rollout.emergency,
    stage: state ? (unit!.kind) : 'pending',
    datacenter: wave?.datacenter ?? null,
    batch:
      spec && unit && (unit.kind === 'batch' || unit.kind === 'pause')
        ? { number: unit.batch + 1, of: batchesOf(spec, unit.wave).length }
        : null,
    waitingUntil: unit && 'until' in unit ? new Date(unit.until).toISOString() : null,
    reason: state?.reason ?? null,
    intents: {
      ...(state?.intents.pause ? { pause: { ...state.intents.pause, at: iso(state.intents.pause.at)! } } : {}),
      ...(state?.intents.abort ? { abort: { ...state.intents.abort, at: iso(state.intents.abort.at)! } } : {}),
    },
    hosts: spec && state ? hostViews(spec, state) : [],
    createdAt: rollout.createdAt.toISOString(),
    updatedAt: rollout.updatedAt.toISOString(),
    finishedAt: rollout.finishedAt?.toISOString() ?? null,
  };
}

function hostViews(spec: RolloutSpec, state: RolloutState): HostStepView[] {
  return Object.entries(state.hosts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([hostname, host]) => ({
      hostname,
      task: host.task.kind === 'wave' || host.task.kind === 'gate' ? `${host.task.kind} ${host.task.datacenter}` : host.task.kind,
      phase: host.phase,
      step: currentStep(spec, host),
      attempt: host.attempt,
      updated: host.updated,
      reason: host.reason ?? null,
    }));
}

function currentStep(spec: RolloutSpec, host: HostProgress): string | null {
  return host.phase === 'done' ? null : (hostSteps(spec, host.task)[host.stepIndex]?.id ?? null);
}
