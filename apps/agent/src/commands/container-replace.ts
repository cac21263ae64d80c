// container:replace — run a service's new release on this host in place of the old one:
// pull, create the new container, stop the old one only once the new one exists (kept
// stopped for a fast rollback), prune the oldest stopped ones, start the new one. If the
// new one will not start, the old one is started again so the host keeps serving.
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { CommandFailureReason, HOST_LABEL, MANAGED_LABEL, type ContainerReplace } from '../../../../libs/protocol/src/index.js';
import {
  HEALTH_LABEL,
  RELEASE_LABEL,
  SERVICE_LABEL,
  SIGNALS_LABEL,
  SPEC_HASH_LABEL,
  type ContainerCreation,
  type ContainerEngine,
} from '../container-engine.js';
import type { Logger } from '../logger.js';
import { asFailure, CommandFailure, step } from './command-failure.js';
import { pullImage } from './image-pull.js';
import { planReplace } from './replace-plan.js';
import { SERVICE_CONFIG_MOUNT, serviceConfigDir } from './switch-set.js';

export type ContainerReplaceCommand = z.infer<typeof ContainerReplace>;

export interface ReplaceContext {
  engine: ContainerEngine;
  hostname: string;
  /** `HostConfig.NetworkMode`: the agent's --container-network. */
  containerNetwork: string;
  keepStopped: number;
  /** Absolute: `<configRoot>/<service>` is mounted read-only at SERVICE_CONFIG_MOUNT. */
  configRoot: string;
  /** Labels the host adds to every container it creates (tests mark theirs). */
  extraLabels?: Record<string, string>;
  progress: (message: string) => void;
  logger: Logger;
}

export interface ReplaceResult {
  [field: string]: string | null;
  containerId: string;
  containerName: string;
  previousContainerId: string | null;
}

const { ContainerCreateFailed, ContainerStartFailed } = CommandFailureReason;
/** How long a started container must stay up before the replace counts it as started. */
export const START_SETTLE_MS = 200;

export async function runContainerReplace(command: ContainerReplaceCommand, context: ReplaceContext): Promise<ReplaceResult> {
  const { engine, progress } = context;
  await pullImage(command.image, context);
  // A bind mount needs its source to exist; switches written later appear in it live.
  await step(ContainerCreateFailed, `creating the config directory of ${command.service} failed`, () =>
    mkdir(serviceConfigDir(context.configRoot, command.service), { recursive: true }),
  );
  const creation = containerCreation(command, context);
  const existing = await step(ContainerCreateFailed, `listing the containers of ${command.service} failed`, () =>
    engine.listServiceContainers(context.hostname, command.service),
  );
  const plan = planReplace(existing, { name: creation.name, specHash: creation.labels[SPEC_HASH_LABEL], keepStopped: context.keepStopped });
  if (plan.kind === 'conflict') throw new CommandFailure(ContainerCreateFailed, plan.message);

  if (plan.removeStale) {
    progress(`removing ${plan.removeStale.name}, made from another spec`);
    await step(ContainerCreateFailed, `removing the stale ${plan.removeStale.name} failed`, () => engine.removeContainer(plan.removeStale!.id));
  }
  let containerId = plan.reuse?.id;
  if (containerId) progress(`${creation.name} exists already (${containerId.slice(0, 12)}), not creating another`);
  else {
    progress(`creating ${creation.name}`);
    containerId = await step(ContainerCreateFailed, `creating ${creation.name} failed`, () => engine.createContainer(creation));
  }

  const stopped = [];
  for (const old of plan.stop) {
    progress(`stopping ${old.name}`);
    stopped.push(old);
    try {
      await engine.stopContainer(old.id);
    } catch (error) {
      // It may be half-stopped: starting it again is the way back to serving.
      const failure = asFailure(error, ContainerStartFailed, `${creation.name} not started: stopping ${old.name} failed`);
      throw new CommandFailure(failure.reason, `${failure.message}${await restart(engine, stopped)}`);
    }
  }
  for (const stale of plan.prune) {
    progress(`pruning ${stale.name}`);
    // Housekeeping: a container that will not go away must not fail the release.
    await engine.removeContainer(stale.id).catch((error: Error) => context.logger.warn('prune failed', { container: stale.name, reason: error.message }));
  }

  progress(`starting ${creation.name}`);
  try {
    await engine.startContainer(containerId);
    // A program that cannot run gets past start (the init starts) and exits a few ms later:
    // look once more after a moment, so the old container comes back now, not after a
    // failed health check. Later deaths are the health check's to find.
    await sleep(START_SETTLE_MS);
    const state = await engine.containerState(containerId);
    if (!state.running) throw new Error(`it is ${state.status} with exit code ${state.exitCode}${state.detail ? `: ${state.detail}` : ''}`);
  } catch (error) {
    const failure = asFailure(error, ContainerStartFailed, `starting ${creation.name} failed`);
    throw new CommandFailure(failure.reason, `${failure.message}${await restart(engine, plan.stop)}`);
  }
  return { containerId, containerName: creation.name, previousContainerId: plan.previous?.id ?? null };
}

/** Starts the containers stopped for the replacement again; says how that went, for the failure message. */
async function restart(engine: ContainerEngine, stopped: { id: string; name: string }[]): Promise<string> {
  if (stopped.length === 0) return '; no previous container to restart';
  const outcomes = await Promise.all(
    stopped.map((old) =>
      engine.startContainer(old.id).then(
        () => `restarted the previous container ${old.name}`,
        (error: Error) => `restarting the previous container ${old.name} failed too: ${error.message}`,
      ),
    ),
  );
  return `; ${outcomes.join('; ')}`;
}

/** The create options for the release's container; their hash decides whether an existing one can be reused. */
export function containerCreation(command: ContainerReplaceCommand, context: Pick<ReplaceContext, 'hostname' | 'containerNetwork' | 'configRoot' | 'extraLabels'>): ContainerCreation {
  const spec = command.container;
  const env = Object.entries(spec.env)
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  const hostConfig = {
    NetworkMode: context.containerNetwork,
    // Without an init, a PID 1 that ignores SIGTERM makes every stop wait for the kill timeout.
    Init: true,
    RestartPolicy: { Name: 'no' },
    ...(spec.resources.memoryMb !== undefined ? { Memory: spec.resources.memoryMb * 1024 * 1024 } : {}),
    ...(spec.resources.cpus !== undefined ? { NanoCpus: Math.round(spec.resources.cpus * 1e9) } : {}),
    Mounts: [
      // The service's config directory (switches), read-only: only the agent writes it.
      { Type: 'bind' as const, Source: serviceConfigDir(context.configRoot, command.service), Target: SERVICE_CONFIG_MOUNT, ReadOnly: true },
      ...spec.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly })),
    ],
    ...(spec.privileged ? { Privileged: true } : {}),
    ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
  };
  // How the container is observed counts too: a container reused for the release keeps the
  // labels it was created with, so another health check or log format must not reuse it.
  const specHash = createHash('sha256')
    .update(JSON.stringify({ image: command.image, env, cmd: spec.command ?? null, hostConfig, health: spec.healthCheck, signals: spec.signals }))
    .digest('hex')
    .slice(0, 16);
  return {
    name: `${context.hostname}-${command.service}-${command.release}`,
    image: command.image,
    env,
    ...(spec.command ? { cmd: spec.command } : {}),
    labels: {
      ...context.extraLabels,
      [MANAGED_LABEL]: 'true',
      [HOST_LABEL]: context.hostname,
      [SERVICE_LABEL]: command.service,
      [RELEASE_LABEL]: command.release,
      [SPEC_HASH_LABEL]: specHash,
      // How to observe the container (signals), kept on it so an agent restart loses nothing.
      [HEALTH_LABEL]: JSON.stringify(spec.healthCheck),
      [SIGNALS_LABEL]: JSON.stringify(spec.signals),
    },
    hostConfig,
  };
}
