// What a rollout persists: the unit being worked on, each host's place in its steps,
// and the intents people recorded. Plain JSON, so it is stored as it is.
import type { Command } from '../../../protocol/src/index.js';
import type { HostTask } from './host-steps.js';
import type { Unit } from './units.js';

export type RolloutStatus = 'pending' | 'running' | 'paused' | 'succeeded' | 'failed' | 'aborted';
export const ROLLOUT_TERMINAL: readonly RolloutStatus[] = ['succeeded', 'failed', 'aborted'];

export interface Reason {
  code: string;
  message: string;
}

export interface Intent {
  by: string;
  at: number;
  reason?: string;
}

export type HostPhase = 'waiting' | 'running' | 'done' | 'failed' | 'skipped';

export interface HostProgress {
  task: HostTask;
  phase: HostPhase;
  stepIndex: number;
  /** Attempt of the current step; a retried step gets a new command key. */
  attempt: number;
  /** Key of the command in flight, while `running`. */
  key?: string;
  deadlineAt?: number;
  reason?: Reason;
  /** Drained by this rollout and not yet restored. */
  outOfService: boolean;
  /** Finished the update (replace + health) in this rollout. */
  updated: boolean;
}

export interface RolloutState {
  status: RolloutStatus;
  unit: Unit;
  /** When the current batch must be finished by. */
  unitDeadlineAt?: number;
  hosts: Record<string, HostProgress>;
  intents: { pause?: Intent; abort?: Intent };
  reason?: Reason;
}

export interface OutgoingCommand {
  hostname: string;
  key: string;
  step: string;
  command: Command;
  deadlineAt: number;
}

/** A decision worth recording: why the rollout did what it did. */
export interface Note {
  code: string;
  message: string;
  hostname?: string;
}

export interface Decision {
  state: RolloutState;
  commands: OutgoingCommand[];
  notes: Note[];
}

export const initialRolloutState = (): RolloutState => ({ status: 'pending', unit: { kind: 'preview' }, hosts: {}, intents: {} });
