// The order of a rollback: each declared step in turn (config before code, processors
// before frontends: whatever the plan says), and within a step the touched hosts by
// group (datacenters in reverse rollout order, then the preview hosts), in batches. A
// step that shifts traffic drains each datacenter (scope datacenter, all its hosts)
// before the group's batches and restores it after.
import type { HostProgress, RollbackState, RolloutState } from './rollout-state.js';
import { batchSize, chunk, type RolloutSpec } from './rollout-spec.js';
import type { Unit } from './units.js';

export type RollbackUnit = Extract<Unit, { kind: 'rollback' }>;

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
  const waves = [...spec.waves].reverse().map((wave) => ({ name: wave.datacenter, kind: 'datacenter' as const, hosts: order(wave.hosts) }));
  return [...waves, { name: 'preview', kind: 'preview' as const, hosts: order(spec.previewHosts) }].filter((group) => group.hosts.length > 0);
}

/** A group's batches: the plan's batch size over the whole datacenter, at least one host. */
export function rollbackBatches(spec: RolloutSpec, rollback: RollbackState, group: number): string[][] {
  const entry = rollback.groups[group];
  if (!entry) return [];
  const size = entry.kind === 'datacenter' ? (spec.waves.find((wave) => wave.datacenter === entry.name)?.hosts.length ?? 0) : spec.previewHosts.length;
  return chunk(entry.hosts, Math.max(1, batchSize(size, spec.batch)));
}

/** Whether a step shifts the group's traffic: a code step asking for it, in a datacenter, with another datacenter to serve. */
export function shiftsTraffic(spec: RolloutSpec, rollback: RollbackState, step: number, group: number): boolean {
  const declared = spec.rollback.steps[step];
  const entry = rollback.groups[group];
  if (!declared?.shiftTraffic || declared.what === 'config' || entry?.kind !== 'datacenter') return false;
  if (rollback.shiftsRefused?.includes(`${step}/${entry.name}`)) return false;
  return spec.waves.some((wave) => wave.datacenter !== entry.name && wave.hosts.length > 0);
}

/** Every unit of the rollback, in order. */
export function rollbackUnits(spec: RolloutSpec, rollback: RollbackState): RollbackUnit[] {
  const units: RollbackUnit[] = [];
  spec.rollback.steps.forEach((_, step) => {
    rollback.groups.forEach((_, group) => {
      const batches = rollbackBatches(spec, rollback, group);
      if (batches.length === 0) return;
      const shift = shiftsTraffic(spec, rollback, step, group);
      if (shift) units.push({ kind: 'rollback', step, group, batch: 0, shift: 'drain' });
      batches.forEach((_, batch) => units.push({ kind: 'rollback', step, group, batch }));
      if (shift) units.push({ kind: 'rollback', step, group, batch: 0, shift: 'restore' });
    });
  });
  return units;
}

/** The hosts of a unit: a batch, or for a shift every host of the datacenter. */
export function rollbackHosts(spec: RolloutSpec, rollback: RollbackState, unit: RollbackUnit): string[] {
  if (unit.shift) {
    const datacenter = rollback.groups[unit.group]?.name ?? '';
    return [...(spec.datacenterHosts?.[datacenter] ?? spec.waves.find((wave) => wave.datacenter === datacenter)?.hosts ?? [])].sort();
  }
  return rollbackBatches(spec, rollback, unit.group)[unit.batch] ?? [];
}

export function firstRollbackUnit(spec: RolloutSpec, rollback: RollbackState): RollbackUnit | undefined {
  return rollbackUnits(spec, rollback)[0];
}

/** The unit after `unit`; when `unit` is no longer in the sequence (its shift was refused), the first after its place. */
export function nextRollbackUnit(spec: RolloutSpec, rollback: RollbackState, unit: RollbackUnit): RollbackUnit | undefined {
  const units = rollbackUnits(spec, rollback);
  const index = units.findIndex((u) => u.step === unit.step && u.group === unit.group && u.batch === unit.batch && u.shift === unit.shift);
  if (index >= 0) return units[index + 1];
  return units.find((u) => u.step > unit.step || (u.step === unit.step && u.group >= unit.group));
}
