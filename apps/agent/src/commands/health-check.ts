// health:check — probe the service on this host until the first success or until
// `withinMs` has passed (Podman runs no HEALTHCHECK here, so the agent does). An HTTP
// check GETs the container's port; a command check execs the argv in the service's
// running container and wants exit code 0. After each failed probe the service's newest
// container is looked at: one that has exited fails the check at once (CONTAINER_EXITED,
// with its exit code and last lines), instead of being probed until the deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { CommandFailureReason, type HealthCheck, type HealthCheckCommand } from '../../../../libs/protocol/src/index.js';
import type { ContainerEngine } from '../container-engine.js';
import { CommandFailure, step } from './command-failure.js';
import { describeUrl, probeHttp } from './http-probe.js';

export type HealthCheckCommandType = z.infer<typeof HealthCheckCommand>;

export interface HealthContext {
  engine: Pick<ContainerEngine, 'listServiceContainers' | 'exec' | 'containerState'>;
  hostname: string;
  progress: (message: string) => void;
  /** Aborted when the agent stops: the wait between probes ends at once. */
  signal: AbortSignal;
}

/** One probe: healthy with the status (HTTP status or exit code), or what was seen instead. */
type Observation = { healthy: true; status: number } | { healthy: false; seen: string };

export async function runHealthCheck(command: HealthCheckCommandType, context: HealthContext): Promise<{ attempts: number; status: number }> {
  const { check } = command;
  const startedAt = performance.now();
  const what = check.type === 'http' ? `GET ${describeUrl(check.port, check.path)}` : `exec ${JSON.stringify(check.command)}`;
  context.progress(`probing ${command.service}: ${what}, every ${check.intervalMs} ms for up to ${command.withinMs} ms`);
  for (let attempts = 1; ; attempts++) {
    const observation = await probe(command.service, check, context);
    if (observation.healthy) return { attempts, status: observation.status };
    await failIfExited(command.service, context);
    const elapsedMs = performance.now() - startedAt;
    const nextAtMs = attempts * check.intervalMs;
    if (nextAtMs > command.withinMs) {
      throw new CommandFailure(
        CommandFailureReason.HealthCheckFailed,
        `${command.service} not healthy after ${attempts} probe(s) in ${Math.round(elapsedMs)} ms (${what}); last: ${observation.seen}`,
      );
    }
    context.progress(`probe ${attempts} of ${command.service}: ${observation.seen}`);
    await sleep(Math.max(0, nextAtMs - elapsedMs), undefined, { signal: context.signal });
  }
}

/** Throws CONTAINER_EXITED when the service's newest container is no longer running. */
async function failIfExited(service: string, context: HealthContext): Promise<void> {
  const containers = await step(CommandFailureReason.HealthCheckFailed, `listing the containers of ${service} failed`, () =>
    context.engine.listServiceContainers(context.hostname, service),
  );
  const newest = containers.sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!newest || newest.running) return;
  const state = await step(CommandFailureReason.HealthCheckFailed, `inspecting ${newest.name} failed`, () => context.engine.containerState(newest.id));
  if (state.running) return; // started again between the list and the inspect
  throw new CommandFailure(
    CommandFailureReason.ContainerExited,
    `${newest.name} is ${state.status} with exit code ${state.exitCode} during the health check of ${service}${state.detail ? `: ${state.detail}` : ''}`,
  );
}

async function probe(service: string, check: HealthCheck, context: HealthContext): Promise<Observation> {
  if (check.type === 'http') {
    const outcome = await probeHttp(check.port, check.path, check.timeoutMs);
    if (outcome.kind === 'unanswered') return { healthy: false, seen: outcome.reason };
    if (outcome.status === check.expectStatus) return { healthy: true, status: outcome.status };
    return { healthy: false, seen: `status ${outcome.status}, expected ${check.expectStatus}` };
  }
  // An engine that does not answer fails the command at once (ENGINE_UNREACHABLE): probing on is pointless.
  const containers = await step(CommandFailureReason.HealthCheckFailed, `listing the containers of ${service} failed`, () =>
    context.engine.listServiceContainers(context.hostname, service),
  );
  const current = containers.filter((c) => c.running).sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!current) return { healthy: false, seen: `no running container of ${service}` };
  const outcome = await step(CommandFailureReason.HealthCheckFailed, `exec in ${current.name} failed`, () =>
    context.engine.exec(current.id, check.command, check.timeoutMs),
  );
  if (outcome.exitCode === 0) return { healthy: true, status: 0 };
  const output = outcome.output.trim();
  return { healthy: false, seen: `exit code ${outcome.exitCode ?? 'none'} in ${current.name}${output ? `: ${output.slice(-500)}` : ''}` };
}
