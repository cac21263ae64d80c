// One command to its executor, and its end as data: completed with a result, or failed
// with a reason and a message. An abort (the agent stopping) is not an outcome: it is
// rethrown, so the journal keeps the key unfinished and a re-dispatch runs it again.
import { CommandFailureReason, type Command, type CommandResult } from '../../../../libs/protocol/src/index.js';
import type { z } from 'zod';
import type { ContainerEngine } from '../container-engine.js';
import type { Logger } from '../logger.js';
import type { TrafficState } from '../traffic-state.js';
import { runCheck } from './check-run.js';
import { CommandFailure, type FailureReason } from './command-failure.js';
import { runConfigWrite } from './config-write.js';
import { runContainerReplace } from './container-replace.js';
import { runHealthCheck } from './health-check.js';
import { runImagePull } from './image-pull.js';
import { runSwitchSet } from './switch-set.js';
import { runTrafficDrain, runTrafficRestore } from './traffic.js';

/** What the host gives every executor: its engine, its settings, its traffic switch. */
export interface HostFacilities {
  engine: ContainerEngine;
  hostname: string;
  containerNetwork: string;
  keepStopped: number;
  /** Absolute: holds each service's config directory, `<state-dir>/services`, mounted into its containers. */
  configRoot: string;
  extraLabels?: Record<string, string>;
  traffic: Pick<TrafficState, 'set'>;
  trafficHook?: string;
  logger: Logger;
}

export interface RunControls {
  progress: (message: string) => void;
  signal: AbortSignal;
}

export type CommandOutcome =
  | { outcome: 'completed'; result: z.infer<typeof CommandResult> }
  | { outcome: 'failed'; reason: FailureReason; message: string };

export async function executeCommand(command: Command, host: HostFacilities, controls: RunControls): Promise<CommandOutcome> {
  try {
    return { outcome: 'completed', result: await dispatch(command, host, controls) };
  } catch (error) {
    if (controls.signal.aborted) throw error;
    if (error instanceof CommandFailure) return { outcome: 'failed', reason: error.reason, message: error.message };
    host.logger.error('command failed unexpectedly', { type: command.type, reason: (error as Error).stack ?? String(error) });
    return { outcome: 'failed', reason: CommandFailureReason.Internal, message: (error as Error).message ?? String(error) };
  }
}

function dispatch(command: Command, host: HostFacilities, controls: RunControls): Promise<z.infer<typeof CommandResult>> {
  const traffic = { traffic: host.traffic, hook: host.trafficHook, ...controls };
  switch (command.type) {
    case 'image:pull':
      return runImagePull(command, { engine: host.engine, ...controls });
    case 'container:replace':
      return runContainerReplace(command, { ...host, ...controls });
    case 'health:check':
      return runHealthCheck(command, { engine: host.engine, hostname: host.hostname, ...controls });
    case 'traffic:drain':
      return runTrafficDrain(command, traffic);
    case 'traffic:restore':
      return runTrafficRestore(command, traffic);
    case 'check:run':
      return runCheck(command, controls.progress);
    case 'switch:set':
      return runSwitchSet(command, host.configRoot);
    case 'config:write':
      return runConfigWrite(command, host.configRoot);
    default:
      return unreachable(command);
  }
}

function unreachable(command: never): never {
  throw new Error(`unknown command ${JSON.stringify(command)}`);
}
