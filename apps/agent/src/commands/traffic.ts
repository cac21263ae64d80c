// traffic:drain and traffic:restore — the two halves of one switch: flip the service's
// status behind GET /lb/<service>, run the host's hook if it has one, and for a drain
// give in-flight requests `waitMs`. Both are idempotent: a repeat sets the same status.
//
// A failing hook fails the command (TRAFFIC_HOOK_FAILED): where a hook exists it is how
// the real load balancer learns of the change, and replacing a container the balancer
// still sends to would drop requests. The status file keeps the new value either way
// (drained is the safe side; a retried restore runs the hook again).
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { z } from 'zod';
import { CommandFailureReason, type TrafficDrain, type TrafficRestore } from '../../../../libs/protocol/src/index.js';
import type { TrafficState, TrafficStatus } from '../traffic-state.js';
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

export async function runTrafficDrain(command: z.infer<typeof TrafficDrain>, context: TrafficContext): Promise<{ state: TrafficStatus }> {
  await switchTraffic(command.service, 'drained', context);
  context.progress(`${command.service} drained; waiting ${command.waitMs} ms for in-flight requests`);
  await sleep(command.waitMs, undefined, { signal: context.signal });
  return { state: 'drained' };
}

export async function runTrafficRestore(command: z.infer<typeof TrafficRestore>, context: TrafficContext): Promise<{ state: TrafficStatus }> {
  await switchTraffic(command.service, 'serving', context);
  return { state: 'serving' };
}

async function switchTraffic(service: string, status: TrafficStatus, context: TrafficContext): Promise<void> {
  await context.traffic.set(service, status);
  if (!context.hook) return;
  context.progress(`running traffic hook ${context.hook} ${service} ${status}`);
  try {
    // execFile, never a shell: the arguments are passed as they are.
    await run(context.hook, [service, status], { timeout: HOOK_TIMEOUT_MS, maxBuffer: 64 * 1024 });
  } catch (error) {
    const failure = error as Error & { code?: unknown; signal?: unknown; stderr?: string };
    const exit = typeof failure.code === 'number' ? `exit code ${failure.code}` : failure.signal ? `killed by ${String(failure.signal)}` : failure.message;
    const stderr = failure.stderr?.trim().slice(-500);
    throw new CommandFailure(
      CommandFailureReason.TrafficHookFailed,
      `traffic hook ${context.hook} ${service} ${status} failed: ${exit}${stderr ? `: ${stderr}` : ''} (the status behind /lb/${service} is ${status})`,
    );
  }
}
