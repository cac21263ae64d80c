// What a rollout persists: the unit being worked on, each host's place in its steps,
// and the intents people recorded. Plain JSON, so it is stored as it is.
import type { Command } from '../../../protocol/src/index.js';
import type { Evaluation, Verdict } from '../judgment.js';
import type { HostTask } from './host-steps.js';
import type { Unit } from './units.js';

export type RolloutStatus = 'pending' | 'running' | 'paused' | 'rolling_back' | 'succeeded' | 'failed' | 'aborted' | 'rolled_back';
export const ROLLOUT_TERMINAL: readonly RolloutStatus[] = ['succeeded', 'failed', 'aborted', 'rolled_back'];
/** Statuses in which the rollout issues commands. */
export const ROLLOUT_MOVING: readonly RolloutStatus[] = ['running', 'rolling_back'];

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

/** The judgment of one observation window: the ramp, or the pause after a batch. */
export interface JudgmentWindow {
  /** `ramp`, or `<datacenter> batch <n>` for the pause after batch n. */
  scope: string;
  /** Signals are counted from here; each evaluation covers [from, at). */
  from: number;
  /** When the next evaluation is due (never after the window's end). */
  dueAt: number;
  /** Window end: the last evaluation is due then. */
  until: number;
  /** The evaluations so far, oldest first (the last `consecutiveFailures` are enough to conclude). */
  evaluations: Evaluation[];
  /** Set once concluded; `inconclusive` waits for a person to resume. */
  result?: Verdict;
}

export interface RollbackState {
  by: string;
  at: number;
  reason: string;
  automatic: boolean;
  /** The hosts this rollout touched, in the order they go back: datacenters in reverse, then the preview hosts. */
  groups: { name: string; kind: 'datacenter' | 'preview'; hosts: string[] }[];
  /** `<step>/<datacenter>` whose traffic shift was refused (no other datacenter serving): its hosts go back without it. */
  shiftsRefused?: string[];
}

export interface RolloutState {
  status: RolloutStatus;
  unit: Unit;
  /** When the current batch must be finished by. */
  unitDeadlineAt?: number;
  hosts: Record<string, HostProgress>;
  intents: { pause?: Intent; abort?: Intent };
  reason?: Reason;
  judgment?: JudgmentWindow;
  rollback?: RollbackState;
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

/** One evaluation made by a decision, to store with its figures. */
export interface JudgmentRecord extends Evaluation {
  scope: string;
  at: number;
  /** The window's conclusion, when this evaluation concluded it. */
  conclusion?: Verdict;
}

export interface Decision {
  state: RolloutState;
  commands: OutgoingCommand[];
  notes: Note[];
  judgments: JudgmentRecord[];
}

export const initialRolloutState = (): RolloutState => ({ status: 'pending', unit: { kind: 'preview' }, hosts: {}, intents: {} });
