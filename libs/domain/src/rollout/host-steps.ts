// The steps one host goes through in each part of a rollout, one command each.
import type { Command } from '../../../protocol/src/index.js';
import type { RolloutSpec } from './rollout-spec.js';

export type StepName = 'drain' | 'pull' | 'replace' | 'health' | 'restore' | 'check';

export interface HostStep {
  /** Stable id, part of the command key: `wave-tc:replace:web`. */
  id: string;
  name: StepName;
  command: Command;
}

export type HostTask =
  /** Preview: update while drained, then run the plan's checks; traffic stays off. */
  | { kind: 'preview' }
  /** Ramp: give the preview hosts their traffic back. */
  | { kind: 'ramp' }
  /** A datacenter wave: drain, update, health, restore. */
  | { kind: 'wave'; datacenter: string }
  /** Between datacenters: the plan's checks on one updated host. */
  | { kind: 'gate'; datacenter: string };

export function hostSteps(spec: RolloutSpec, task: HostTask): HostStep[] {
  const prefix = task.kind === 'wave' || task.kind === 'gate' ? `${task.kind}-${task.datacenter}` : task.kind;
  const step = (name: StepName, service: string, command: Command, suffix = ''): HostStep => ({
    id: `${prefix}:${name}:${service}${suffix}`,
    name,
    command,
  });
  const drain = spec.releases.map((r) => step('drain', r.service, { type: 'traffic:drain', service: r.service, waitMs: spec.drainWaitMs }));
  const update = spec.releases.flatMap((r) => [
    step('pull', r.service, { type: 'image:pull', image: r.image }),
    step('replace', r.service, { type: 'container:replace', service: r.service, release: r.release, image: r.image, container: r.container }),
    step('health', r.service, { type: 'health:check', service: r.service, check: r.healthCheck, withinMs: Math.max(100, spec.stepTimeoutMs - 1000) }),
  ]);
  const restore = spec.releases.map((r) => step('restore', r.service, { type: 'traffic:restore', service: r.service }));
  const checks = spec.releases.flatMap((r) =>
    spec.checks.map((check, i) => step('check', r.service, { type: 'check:run', service: r.service, defaultPort: r.checkPort, check }, `:${i}`)),
  );
  switch (task.kind) {
    case 'preview':
      return [...drain, ...update, ...checks];
    case 'ramp':
      return restore;
    case 'wave':
      return [...drain, ...update, ...restore];
    case 'gate':
      return checks;
  }
}
