// What `tarmac rollout watch` knows of a rollout: the snapshot it asked for, then the
// live events after it, applied in sequence. Pure: each step returns the new state and
// the plain lines that describe what changed; rendering and sockets live elsewhere.
import { hostList, withHostChanges, type HostStepsChange, type HostStepView, type RolloutHeader, type RolloutView } from '../../../../libs/protocol/src/index.js';

export type WatchEvent =
  | { type: 'rollout:updated'; seq: number; rollout: RolloutHeader; hosts: HostStepView[] }
  | { type: 'host:steps'; seq: number; steps: HostStepsChange };

export interface WatchState {
  /** The highest sequence number applied; events at or below it are already in the state. */
  seq: number;
  rollout: RolloutView;
  /** Target datacenters in rollout order (from the plan), so waves not begun show too. */
  datacenters: string[];
  /** Production hosts per datacenter in the fleet, the total of a wave not begun yet. */
  fleet: Record<string, number>;
  /** The latest reasons, oldest first. */
  reasons: string[];
}

export interface Applied {
  state: WatchState;
  /** One line per change, for output that is not a terminal. */
  lines: string[];
}

const SUCCEEDED = new Set(['succeeded']);
/** Ends of a rollout that did not succeed; `rolled_back` once the engine rolls back. */
const UNSUCCESSFUL = new Set(['failed', 'aborted', 'rolled_back']);
const KEPT_REASONS = 5;

/** Whether the rollout has ended, and how. */
export function outcomeOf(rollout: { status: string }): 'succeeded' | 'unsuccessful' | undefined {
  if (SUCCEEDED.has(rollout.status)) return 'succeeded';
  if (UNSUCCESSFUL.has(rollout.status)) return 'unsuccessful';
  return undefined;
}

/** Where the rollout is, in one line: `rollout ID: running, stage batch, datacenter tc, batch 1/2`. */
export function headline(rollout: RolloutView): string {
  const parts = [`${rollout.status}`, `stage ${rollout.stage}`];
  if (rollout.datacenter) parts.push(`datacenter ${rollout.datacenter}`);
  if (rollout.batch) parts.push(`batch ${rollout.batch.number}/${rollout.batch.of}`);
  if (rollout.waitingUntil && !outcomeOf(rollout)) parts.push(`waiting until ${rollout.waitingUntil}`);
  return `rollout ${rollout.id}: ${parts.join(', ')}`;
}

export function describeReason(rollout: RolloutView): string | undefined {
  if (rollout.reason) return `${rollout.reason.code}: ${rollout.reason.message}`;
  if (rollout.status === 'paused' && rollout.intents.pause) {
    const intent = rollout.intents.pause;
    return `paused by ${intent.by}${intent.reason ? `: ${intent.reason}` : ''}`;
  }
  return undefined;
}

/** The group a host is shown in: its wave's datacenter, or `preview` for preview hosts. */
export function groupOf(host: Pick<HostStepView, 'task'>): string {
  const [kind, datacenter] = host.task.split(' ');
  return (kind === 'wave' || kind === 'gate') && datacenter ? datacenter : 'preview';
}

/** Done with its part: a wave host through its steps (or on to the checks between datacenters), a preview host into the ramp. */
export function isHostDone(host: Pick<HostStepView, 'task' | 'phase'>): boolean {
  return host.phase === 'done' || host.phase === 'skipped' || host.task.startsWith('gate ') || host.task === 'ramp';
}

export interface GroupProgress {
  name: string;
  done: number;
  total: number;
  hosts: HostStepView[];
}

/** Per group (preview first, then datacenters in rollout order): hosts done of all. */
export function progressOf(state: WatchState): GroupProgress[] {
  const groups = new Map<string, HostStepView[]>();
  const hasPreview = state.rollout.hosts.some((h) => groupOf(h) === 'preview');
  for (const name of [...(hasPreview ? ['preview'] : []), ...state.datacenters]) groups.set(name, []);
  for (const host of state.rollout.hosts) {
    const group = groupOf(host);
    groups.set(group, [...(groups.get(group) ?? []), host]);
  }
  return [...groups].map(([name, hosts]) => ({
    name,
    hosts,
    done: hosts.filter(isHostDone).length,
    total: Math.max(hosts.length, name === 'preview' ? 0 : (state.fleet[name] ?? 0)),
  }));
}

function stepLine(step: HostStepsChange): string {
  const attempt = step.attempt > 1 ? ` (attempt ${step.attempt})` : '';
  const reason = step.reason ? `: ${step.reason.code}: ${step.reason.message}` : '';
  return `${hostList(step.hostnames)} ${step.step} ${step.status}${attempt}${reason}`;
}

function remember(reasons: string[], reason: string): string[] {
  return [...reasons, reason].slice(-KEPT_REASONS);
}

export function fromSnapshot(seq: number, rollout: RolloutView, datacenters: string[], fleet: Record<string, number>): Applied {
  const reason = describeReason(rollout);
  const state: WatchState = { seq, rollout, datacenters, fleet, reasons: reason ? [reason] : [] };
  const done = rollout.hosts.filter(isHostDone).length;
  return { state, lines: [`${headline(rollout)} (${done}/${rollout.hosts.length} hosts begun are done)`, ...(reason ? [`reason: ${reason}`] : [])] };
}

/** A new rollout view (a live event, or a fresh snapshot after a reconnect): lines for what changed. */
function withRollout(state: WatchState, seq: number, rollout: RolloutView, hostLines: boolean): Applied {
  const lines: string[] = [];
  let reasons = state.reasons;
  if (headline(rollout) !== headline(state.rollout)) lines.push(headline(rollout));
  const reason = describeReason(rollout);
  if (reason && reason !== describeReason(state.rollout)) {
    lines.push(`reason: ${reason}`);
    reasons = remember(reasons, reason);
  }
  if (hostLines) {
    // After a reconnect the steps missed are gone; say where each host ended up instead.
    const before = new Map(state.rollout.hosts.map((h) => [h.hostname, h]));
    for (const host of rollout.hosts) {
      const previous = before.get(host.hostname);
      if (previous?.phase !== host.phase || previous?.step !== host.step) lines.push(`${host.hostname} ${host.phase}${host.step ? ` at ${host.step}` : ''}`);
    }
  }
  return { state: { ...state, seq, rollout, reasons }, lines };
}

/** A fresh snapshot taken after a reconnect. */
export function applySnapshot(state: WatchState, seq: number, rollout: RolloutView): Applied {
  if (seq <= state.seq) return { state, lines: [] };
  return withRollout(state, seq, rollout, true);
}

/** One live event; those at or below the state's sequence, or about another rollout, change nothing. */
export function applyEvent(state: WatchState, event: WatchEvent): Applied {
  if (event.seq <= state.seq) return { state, lines: [] };
  switch (event.type) {
    case 'rollout:updated':
      if (event.rollout.id !== state.rollout.id) return { state, lines: [] };
      return withRollout(state, event.seq, { ...event.rollout, hosts: withHostChanges(state.rollout.hosts, event.hosts) }, false);
    case 'host:steps': {
      if (event.steps.rolloutId !== state.rollout.id) return { state, lines: [] };
      const line = stepLine(event.steps);
      const reasons = event.steps.reason ? remember(state.reasons, line) : state.reasons;
      return { state: { ...state, seq: event.seq, reasons }, lines: [line] };
    }
  }
}
