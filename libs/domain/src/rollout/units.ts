// The order of work in a rollout: preview, ramp (restore, then observe), one wave per
// datacenter in batches with a pause after each and the plan's checks between
// datacenters, then done. A unit is the piece being worked on; the next one follows
// from the spec alone. A rollback has units of its own (rollback.ts).
import { planBatches, type RolloutSpec } from './rollout-spec.js';

export type Unit =
  | { kind: 'preview' }
  | { kind: 'ramp' }
  | { kind: 'observe'; until: number }
  | { kind: 'batch'; wave: number; batch: number }
  /** After batch `batch - 1` of the wave, before batch `batch` (which may be past the last). */
  | { kind: 'pause'; wave: number; batch: number; until: number }
  | { kind: 'gate'; wave: number }
  /** A batch of a rollback step in a group; `shift`: the group's datacenter drained before its batches, or restored after. */
  | { kind: 'rollback'; step: number; group: number; batch: number; shift?: 'drain' | 'restore' }
  | { kind: 'done' };

const batchCache = new WeakMap<RolloutSpec, Map<number, string[][]>>();

/** A wave's batches; computed once per spec (a spec never changes once a rollout has started). */
export function batchesOf(spec: RolloutSpec, wave: number): string[][] {
  let waves = batchCache.get(spec);
  if (!waves) batchCache.set(spec, (waves = new Map()));
  let batches = waves.get(wave);
  if (!batches) waves.set(wave, (batches = planBatches(spec.waves[wave]?.hosts ?? [], spec.batch)));
  return batches;
}

/** The hosts a unit works on; empty for waiting units. `gateHost` is the wave's first updated host. */
export function hostsOf(spec: RolloutSpec, unit: Unit, gateHost?: string): string[] {
  switch (unit.kind) {
    case 'preview':
    case 'ramp':
      return spec.previewHosts;
    case 'batch':
      return batchesOf(spec, unit.wave)[unit.batch] ?? [];
    case 'gate':
      return gateHost ? [gateHost] : [];
    case 'observe':
    case 'pause':
    case 'rollback':
    case 'done':
      return [];
  }
}

/** What comes after a finished unit, at `now`. */
export function nextUnit(spec: RolloutSpec, unit: Unit, now: number): Unit {
  switch (unit.kind) {
    case 'preview':
      return { kind: 'ramp' };
    case 'ramp':
      return { kind: 'observe', until: now + spec.rampMs };
    case 'observe':
      return firstBatchFrom(spec, 0);
    case 'batch':
      // Every batch is followed by its pause, when the plan has one: the batch is judged then.
      return spec.batch.pauseMs > 0 ? { kind: 'pause', wave: unit.wave, batch: unit.batch + 1, until: now + spec.batch.pauseMs } : afterBatch(spec, unit.wave, unit.batch + 1);
    case 'pause':
      return afterBatch(spec, unit.wave, unit.batch);
    case 'gate':
      return firstBatchFrom(spec, unit.wave + 1);
    case 'rollback':
    case 'done':
      return unit;
  }
}

/** Batch `next` of the wave, or what follows the wave when it has no such batch. */
function afterBatch(spec: RolloutSpec, wave: number, next: number): Unit {
  if (next < batchesOf(spec, wave).length) return { kind: 'batch', wave, batch: next };
  // The plan's checks run between datacenters, not after the last one.
  return spec.checks.length > 0 && wave + 1 < spec.waves.length ? { kind: 'gate', wave } : firstBatchFrom(spec, wave + 1);
}

/** The first batch of the first wave from `wave` on that has hosts; done when none has. */
function firstBatchFrom(spec: RolloutSpec, wave: number): Unit {
  for (let w = wave; w < spec.waves.length; w++) {
    if (batchesOf(spec, w).length > 0) return { kind: 'batch', wave: w, batch: 0 };
  }
  return { kind: 'done' };
}

/** The unit a rollout starts with: preview when it has preview hosts. */
export function firstUnit(spec: RolloutSpec): Unit {
  return spec.previewHosts.length > 0 ? { kind: 'preview' } : firstBatchFrom(spec, 0);
}
