// How a rollout is shown: its unit as stage, datacenter and batch, and every host's step;
// and, after a decision, the hosts whose view it changed.
import { batchesOf, describeTask, hostSteps, type HostProgress, type RolloutSpec, type RolloutState } from '../../../../libs/domain/src/index.js';
import type { HostStepView, RolloutChange, RolloutHeader, RolloutView } from '../../../../libs/protocol/src/index.js';
import type { StoredRollout } from '../rollouts/rollout.repository.js';

export function toRolloutView(rollout: StoredRollout): RolloutView {
  const { spec, state } = rollout;
  return { ...toRolloutHeader(rollout), hosts: spec && state ? hostViews(spec, state, Object.keys(state.hosts)) : [] };
}

/** The `rollout:updated` payload of a decision (the outbox adds its `seq`): the rollout, and the hosts whose view the decision changed from `before`. */
export function toRolloutChange(rollout: StoredRollout, before: RolloutState | null): Omit<RolloutChange, 'seq'> {
  const { spec, state } = rollout;
  const changed = state ? Object.keys(state.hosts).filter((hostname) => !sameProgress(before?.hosts[hostname], state.hosts[hostname]!)) : [];
  return { rollout: toRolloutHeader(rollout), hosts: spec && state ? hostViews(spec, state, changed) : [] };
}

function toRolloutHeader(rollout: StoredRollout): RolloutHeader {
  const state = rollout.state;
  const spec = rollout.spec;
  const unit = state?.unit;
  const wave = unit && 'wave' in unit ? spec?.waves[unit.wave] : undefined;
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const hosts = state ? Object.values(state.hosts) : [];
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
      spec && unit?.kind === 'batch'
        ? { number: unit.batch + 1, of: batchesOf(spec, unit.wave).length }
        : // A pause follows the batch it is named after.
          spec && unit?.kind === 'pause'
          ? { number: unit.batch, of: batchesOf(spec, unit.wave).length }
          : null,
    waitingUntil: unit && 'until' in unit ? new Date(unit.until).toISOString() : null,
    reason: state?.reason ?? null,
    intents: {
      ...(state?.intents.pause ? { pause: { ...state.intents.pause, at: iso(state.intents.pause.at)! } } : {}),
      ...(state?.intents.abort ? { abort: { ...state.intents.abort, at: iso(state.intents.abort.at)! } } : {}),
    },
    judgment: judgmentView(state),
    rollback: spec && state ? rollbackView(spec, state) : null,
    hostCounts: { begun: hosts.length, done: hosts.filter((host) => host.phase === 'done').length },
    createdAt: rollout.createdAt.toISOString(),
    updatedAt: rollout.updatedAt.toISOString(),
    finishedAt: rollout.finishedAt?.toISOString() ?? null,
  };
}

/** Whether a host's progress is the same (so is its view): the decision's copy of the state is a fresh object. */
function sameProgress(a: HostProgress | undefined, b: HostProgress): boolean {
  return (
    a !== undefined &&
    a.phase === b.phase &&
    a.stepIndex === b.stepIndex &&
    a.attempt === b.attempt &&
    a.updated === b.updated &&
    a.reason?.code === b.reason?.code &&
    a.reason?.message === b.reason?.message &&
    JSON.stringify(a.task) === JSON.stringify(b.task)
  );
}

function hostViews(spec: RolloutSpec, state: RolloutState, hostnames: readonly string[]): HostStepView[] {
  // Steps depend on the task (and, for a rollback, on the host): worked out once per task.
  const stepsOf = new Map<string, ReturnType<typeof hostSteps>>();
  const currentStep = (hostname: string, host: HostProgress): string | null => {
    if (host.phase === 'done') return null;
    const key = host.task.kind === 'rollback' ? `${JSON.stringify(host.task)}/${hostname}` : JSON.stringify(host.task);
    let steps = stepsOf.get(key);
    if (!steps) stepsOf.set(key, (steps = hostSteps(spec, host.task, hostname)));
    return steps[host.stepIndex]?.id ?? null;
  };
  return [...hostnames]
    .sort((a, b) => a.localeCompare(b))
    .map((hostname) => {
      const host = state.hosts[hostname]!;
      return {
        hostname,
        task: describeTask(host.task),
        phase: host.phase,
        step: currentStep(hostname, host),
        attempt: host.attempt,
        updated: host.updated,
        reason: host.reason ?? null,
      };
    });
}

function judgmentView(state: RolloutState | null): RolloutView['judgment'] {
  const window = state?.judgment;
  if (!window) return null;
  return {
    scope: window.scope,
    until: new Date(window.until).toISOString(),
    evaluations: window.evaluations.length,
    lastVerdict: window.evaluations.at(-1)?.verdict ?? null,
    result: window.result ?? null,
  };
}

function rollbackView(spec: RolloutSpec, state: RolloutState): RolloutView['rollback'] {
  const rollback = state.rollback;
  if (!rollback) return null;
  const unit = state.unit;
  const declared = unit.kind === 'rollback' ? spec.rollback.steps[unit.step] : undefined;
  return {
    by: rollback.by,
    at: new Date(rollback.at).toISOString(),
    reason: rollback.reason,
    automatic: rollback.automatic,
    step: unit.kind === 'rollback' && declared ? { number: unit.step + 1, of: spec.rollback.steps.length, services: declared.services, what: declared.what } : null,
    groups: rollback.groups,
  };
}
