// The steps one host goes through in each part of a rollout, one command each.
import type { Command } from '../../../protocol/src/index.js';
import type { RolloutRelease, RolloutSpec } from './rollout-spec.js';

export type StepName = 'drain' | 'config' | 'pull' | 'replace' | 'health' | 'restore' | 'check' | 'shift';

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
  /** A datacenter wave: drain, config, update, health, restore. */
  | { kind: 'wave'; datacenter: string }
  /** Between datacenters: the plan's checks on one updated host. */
  | { kind: 'gate'; datacenter: string }
  /** One declared rollback step on this host: back to its previous release; or its datacenter's traffic shift. */
  | { kind: 'rollback'; step: number; shift?: 'drain' | 'restore' };

export function describeTask(task: HostTask): string {
  switch (task.kind) {
    case 'wave':
    case 'gate':
      return `${task.kind} ${task.datacenter}`;
    case 'rollback':
      return `rollback step ${task.step + 1}${task.shift ? ` (traffic ${task.shift})` : ''}`;
    default:
      return task.kind;
  }
}

/** The host's steps for a task; `hostname` matters only to a rollback (each host goes back to its own release). */
export function hostSteps(spec: RolloutSpec, task: HostTask, hostname = ''): HostStep[] {
  if (task.kind === 'rollback') return task.shift ? shiftSteps(spec, task.step, task.shift) : rollbackSteps(spec, task.step, hostname);
  const prefix = task.kind === 'wave' || task.kind === 'gate' ? `${task.kind}-${task.datacenter}` : task.kind;
  const step = (name: StepName, service: string, command: Command, suffix = ''): HostStep => ({ id: `${prefix}:${name}:${service}${suffix}`, name, command });
  const drain = spec.releases.map((r) => step('drain', r.service, drainCommand(spec, r.service)));
  const update = spec.releases.flatMap((r) => [
    ...(r.config ? [step('config', r.service, { type: 'config:write', service: r.service, version: r.config.version, files: r.config.files })] : []),
    step('pull', r.service, { type: 'image:pull', image: r.image }),
    step('replace', r.service, { type: 'container:replace', service: r.service, release: r.release, image: r.image, container: r.container }),
    step('health', r.service, healthCommand(spec, r)),
  ]);
  const restore = spec.releases.map((r) => step('restore', r.service, restoreCommand(r.service)));
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

/**
 * One rollback step on one host, for the step's services in release order: the config
 * goes back (`config`, `both`) where the plan changed it; the code goes back (`code`,
 * `both`) to the host's previous image, drained meanwhile. A service the host has no
 * previous release of keeps what it runs.
 */
function rollbackSteps(spec: RolloutSpec, index: number, hostname: string): HostStep[] {
  const declared = spec.rollback.steps[index];
  if (!declared) return [];
  const prefix = `rollback-${index + 1}`;
  const step = (name: StepName, service: string, command: Command): HostStep => ({ id: `${prefix}:${name}:${service}`, name, command });
  const previous = spec.previous[hostname] ?? {};
  const releases = declared.services.flatMap((service) => spec.releases.filter((r) => r.service === service));
  const config = declared.what !== 'code';
  const code = declared.what !== 'config';
  const configSteps = (r: RolloutRelease) => {
    if (!config || !r.config) return [];
    const before = previous[r.service]?.config ?? null;
    return [step('config', r.service, { type: 'config:write', service: r.service, version: before?.version ?? null, files: before?.files ?? {} })];
  };
  const coded = code ? releases.filter((r) => previous[r.service]) : [];
  return [
    ...coded.map((r) => step('drain', r.service, drainCommand(spec, r.service))),
    ...releases.flatMap((r) => {
      const before = previous[r.service];
      if (!code || !before) return configSteps(r);
      return [
        ...configSteps(r),
        step('replace', r.service, { type: 'container:replace', service: r.service, release: before.release, image: before.image, container: before.container }),
        step('health', r.service, { type: 'health:check', service: r.service, check: before.healthCheck, withinMs: healthWithin(spec) }),
      ];
    }),
    ...coded.map((r) => step('restore', r.service, restoreCommand(r.service))),
  ];
}

/** A datacenter's traffic for the step's services, drained (scope datacenter) or restored; never counted as a host out of service. */
function shiftSteps(spec: RolloutSpec, index: number, action: 'drain' | 'restore'): HostStep[] {
  const declared = spec.rollback.steps[index];
  return (declared?.services ?? []).map((service) => ({
    id: `rollback-${index + 1}:shift-${action}:${service}`,
    name: 'shift' as const,
    command: action === 'drain' ? { type: 'traffic:drain', service, scope: 'datacenter', waitMs: spec.drainWaitMs } : { type: 'traffic:restore', service, scope: 'datacenter' },
  }));
}

const drainCommand = (spec: RolloutSpec, service: string): Command => ({ type: 'traffic:drain', service, scope: 'host', waitMs: spec.drainWaitMs });
const restoreCommand = (service: string): Command => ({ type: 'traffic:restore', service, scope: 'host' });
const healthWithin = (spec: RolloutSpec) => Math.max(100, spec.stepTimeoutMs - 1000);
const healthCommand = (spec: RolloutSpec, r: RolloutRelease): Command => ({ type: 'health:check', service: r.service, check: r.healthCheck, withinMs: healthWithin(spec) });
