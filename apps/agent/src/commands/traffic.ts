// traffic:drain and traffic:restore — the two halves of one switch: set the command's
// scope (`host` for a rollout, `datacenter` for an operator's traffic shift) for the
// service behind GET /lb/<service>, run the host's hook if it has one, and for a drain
// give in-flight requests `waitMs`. The service serves only while no scope drains it.
//
// The hook and the wait are for changes the load balancer sees: they run when the
// service's status changes, and on a repeat of the same command (a retry, e.g. after a
// failed hook, must reach the balancer again). A scope change the other scope hides
// (a rollout restoring a host its datacenter's drain still holds) runs neither.
//
// A failing hook fails the command (TRAFFIC_HOOK_FAILED): where a hook exists it is how
// the real load balancer learns of the change, and replacing a container the balancer
// still sends to would drop requests. The status file keeps the new value either way
// (drained is the safe side; a retried command runs the hook again).
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { z } from 'zod';
import { CommandFailureReason, type TrafficDrain, type TrafficRestore, type TrafficScope } from '../../../../libs/protocol/src/index.js';
import type { TrafficChange, TrafficState, TrafficStatus } from '../traffic-state.js';
import { CommandFailure } from './command-failure.js';

const run = promisify(execFile);
export const HOOK_TIMEOUT_MS = 30_000;

export interface TrafficContext {
  traffic: Pick<TrafficState, 'set'>;
  /** Absolute path of the host's hook program, from the agent's own configuration only. */
  hook?: string;
  progress: (message: string) => void;
  signal: AbortSignal;
}

/** The service's status after the command; while drained, the scopes holding it so (`host,datacenter`). */
export type TrafficResult = { state: 'serving' } | { state: 'drained'; drainedBy: string };

const resultOf = (change: TrafficChange): TrafficResult =>
  change.after === 'serving' ? { state: 'serving' } : { state: 'drained', drainedBy: change.drainedBy.join(',') };

export async function runTrafficDrain(command: z.infer<typeof TrafficDrain>, context: TrafficContext): Promise<TrafficResult> {
  const change = await switchTraffic(command.service, command.scope, 'drained', context);
  if (seenByBalancer(change)) {
    context.progress(`${command.service} drained; waiting ${command.waitMs} ms for in-flight requests`);
    await sleep(command.waitMs, undefined, { signal: context.signal });
  }
  return resultOf(change);
}

export async function runTrafficRestore(command: z.infer<typeof TrafficRestore>, context: TrafficContext): Promise<TrafficResult> {
  const change = await switchTraffic(command.service, command.scope, 'serving', context);
  return resultOf(change);
}

const seenByBalancer = (change: TrafficChange) => change.before !== change.after || !change.scopeChanged;

async function switchTraffic(service: string, scope: TrafficScope, status: TrafficStatus, context: TrafficContext): Promise<TrafficChange> {
  // A stand-in that reports nothing (other commands' tests) counts as a change the balancer sees.
  const change = await context.traffic.set(service, scope, status);
  if (!seenByBalancer(change)) {
    context.progress(`${service}: ${scope} scope ${status}; the service stays ${change.after} (drained by ${change.drainedBy.join(', ') || 'no scope'})`);
    return change;
  }
  if (!context.hook) return change;
  const effective = change.after;
  context.progress(`running traffic hook ${context.hook} ${service} ${effective}`);
  try {
    // execFile, never a shell: the arguments are passed as they are.
    await run(context.hook, [service, effective], { timeout: HOOK_TIMEOUT_MS, maxBuffer: 64 * 1024 });
  } catch (error) {
    const failure = error as Error & { code?: unknown; signal?: unknown; stderr?: string };
    const exit = typeof failure.code === 'number' ? `exit code ${failure.code}` : failure.signal ? `killed by ${String(failure.signal)}` : failure.message;
    const stderr = failure.stderr?.trim().slice(-500);
    throw new CommandFailure(
      CommandFailureReason.TrafficHookFailed,
      `traffic hook ${context.hook} ${service} ${effective} failed: ${exit}${stderr ? `: ${stderr}` : ''} (the status behind /lb/${service} is ${effective})`,
    );
  }
  return change;
}
