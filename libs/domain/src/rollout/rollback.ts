// The order of a rollback: each declared step in turn (config before code, processors
// before frontends: whatever the plan says), and within a step the touched hosts by
// group (datacenters in reverse rollout order, then the preview hosts), in batches.
import type { HostProgress, RollbackState, RolloutState } from './rollout-state.js';
import { batchSize, chunk, type RolloutSpec } from './rollout-spec.js';
import type { Unit } from './units.js';

type RollbackUnit = Extract<Unit, { kind: 'rollback' }>;

/** A host this rollout did something to: anything from a drain on. */
export function touched(host: HostProgress | undefined): boolean {
  return host !== undefined && (host.updated || host.outOfService || host.stepIndex > 0 || host.phase === 'running' || host.phase === 'failed');
}

/**
 * The touched hosts, grouped in the order they go back. Within a group the hosts out of
 * service come first: they fill the first batch, so a rollback started mid-batch never
 * takes more of a datacenter out of service than the batch allows.
 */
export function rollbackGroups(spec: RolloutSpec, state: RolloutState): RollbackState['groups'] {
  const order = (hosts: readonly string[]) => {
    const mine = hosts.filter((h) => touched(state.hosts[h])).sort();
    return [...mine.filter((h) => state.hosts[h].outOfService), ...mine.filter((h) => !state.hosts[h].outOfService)];
  };
  const waves = [...spec.waves].reverse().map((wave) => ({ name: wave.datacenter, hosts: order(wave.hosts) }));
  return [...waves, { name: 'preview', hosts: order(spec.previewHosts) }].filter((group) => group.hosts.length > 0);
}

/** A group's batches: the plan's batch size over the whole datacenter, at least one host. */
export function rollbackBatches(spec: RolloutSpec, rollback: RollbackState, group: number): string[][] {
  const entry = rollback.groups[group];
  if (!entry) return [];
  const size = spec.waves.find((wave) => wave.datacenter === entry.name)?.hosts.length ?? spec.previewHosts.length;
  return chunk(entry.hosts, Math.max(1, batchSize(size, spec.batch)));
}

export function rollbackHosts(spec: RolloutSpec, rollback: RollbackState, unit: RollbackUnit): string[] {
  return rollbackBatches(spec, rollback, unit.group)[unit.batch] ?? [];
}

/** The first unit of the rollback, or done when there is nothing to take back. */
export function firstRollbackUnit(spec: RolloutSpec, rollback: RollbackState): RollbackUnit | undefined {
  return seek(spec, rollback, { kind: 'rollback', step: 0, group: 0, batch: 0 });
}

export function nextRollbackUnit(spec: RolloutSpec, rollback: RollbackState, unit: RollbackUnit): RollbackUnit | undefined {
  return seek(spec, rollback, { ...unit, batch: unit.batch + 1 });
}

/** The first unit at or after `from` that has hosts. */
function seek(spec: RolloutSpec, rollback: RollbackState, from: RollbackUnit): RollbackUnit | undefined {
  let { step, group, batch } = from;
  while (step < spec.rollback.steps.length) {
    if (batch < rollbackBatches(spec, rollback, group).length) return { kind: 'rollback', step, group, batch };
    batch = 0;
    group += 1;
    if (group >= rollback.groups.length) {
      group = 0;
      step += 1;
    }
  }
  return undefined;
}
