// The rollout as a pure function: decide(spec, state, event, now) -> { state, commands,
// notes, judgments }. No clock, no I/O: the caller persists the state, sends the
// commands after commit, records the notes and stores the judgments.
import { CommandFailureReason, commandKey } from '../../../protocol/src/index.js';
import { Conflict } from '../errors.js';
import { conclude, evaluate, type VersionSignals } from '../judgment.js';
import { describeTask, hostSteps, type HostTask } from './host-steps.js';
import { firstRollbackUnit, nextRollbackUnit, rollbackGroups, rollbackHosts } from './rollback.js';
import type { RolloutSpec } from './rollout-spec.js';
import {
  ROLLOUT_MOVING,
  ROLLOUT_TERMINAL,
  type Decision,
  type HostProgress,
  type JudgmentRecord,
  type Note,
  type OutgoingCommand,
  type RolloutState,
} from './rollout-state.js';
import { batchesOf, firstUnit, hostsOf, nextUnit, type Unit } from './units.js';

export type RolloutEvent =
  | { type: 'start' }
  | { type: 'command-completed'; key: string }
  | { type: 'command-failed'; key: string; reason: string; message: string }
  | { type: 'host-lost'; hostname: string }
  | { type: 'tick' }
  /** The signals of the judgment window since its last evaluation: the new release's hosts and the old's. */
  | { type: 'signals'; next: VersionSignals; previous: VersionSignals }
  | { type: 'pause'; by: string; reason?: string }
  | { type: 'resume'; by: string }
  | { type: 'abort'; by: string; reason?: string }
  | { type: 'rollback'; by: string; reason: string; confirmDataLoss?: boolean }
  /** The caller refused the datacenter drain this decision just asked for (no other datacenter serves): go back without it. */
  | { type: 'shift-refused'; reason: string };

/** People's intents: decided on an ended rollout too, so they get their refusal (or, for a rollback, their way). */
export const INTENTS: readonly RolloutEvent['type'][] = ['pause', 'resume', 'abort', 'rollback'];

/** Whether an evaluation of the judgment window is due: the caller then reads the signals and sends them. */
export function judgmentDue(state: RolloutState, now: number): boolean {
  return state.status === 'running' && state.judgment !== undefined && state.judgment.result === undefined && now >= state.judgment.dueAt;
}

/**
 * The earliest time at which time passing alone can change the rollout: a running step's
 * deadline, the batch deadline, the end of a ramp or pause, the next judgment evaluation.
 * A `tick` before it changes nothing, so a caller need not decide until then; undefined
 * when only an event (a report, a person's intent) can move the rollout.
 */
export function nextDueAt(state: RolloutState): number | undefined {
  let due = Infinity;
  for (const hostname in state.hosts) {
    const host = state.hosts[hostname]!;
    if (host.phase === 'running' && host.deadlineAt !== undefined && host.deadlineAt < due) due = host.deadlineAt;
  }
  if (ROLLOUT_MOVING.includes(state.status)) {
    const unit = state.unit;
    if (state.status === 'running' && unit.kind === 'batch' && state.unitDeadlineAt !== undefined) due = Math.min(due, state.unitDeadlineAt);
    if (unit.kind === 'observe' || unit.kind === 'pause') due = Math.min(due, unit.until);
    if (state.status === 'running' && state.judgment && state.judgment.result === undefined) due = Math.min(due, state.judgment.dueAt);
  }
  return due === Infinity ? undefined : due;
}

export function decide(spec: RolloutSpec, state: RolloutState, event: RolloutEvent, now: number): Decision {
  return decideMany(spec, state, [event], now);
}

/**
 * Several events at one moment, decided one after the other (each applied, then whatever
 * is due started), as one decision: the last state and everything they produced, in
 * order. The same as folding `decide` over them, without copying the state per event.
 */
export function decideMany(spec: RolloutSpec, state: RolloutState, events: readonly RolloutEvent[], now: number): Decision {
  const draft = new Draft(spec, structuredClone(state), now);
  for (const event of events) {
    draft.apply(event);
    draft.advance();
  }
  return { state: draft.state, commands: draft.commands, notes: draft.notes, judgments: draft.judgments };
}

class Draft {
  readonly commands: OutgoingCommand[] = [];
  readonly notes: Note[] = [];
  readonly judgments: JudgmentRecord[] = [];

  constructor(
    private readonly spec: RolloutSpec,
    readonly state: RolloutState,
    private readonly now: number,
  ) {}

  apply(event: RolloutEvent): void {
    switch (event.type) {
      case 'start':
        return this.start();
      case 'command-completed':
        return this.completed(event.key);
      case 'command-failed':
        return this.failed(event.key, event.reason, event.message);
      case 'host-lost':
        return this.lost(event.hostname);
      case 'tick':
        return this.tick();
      case 'signals':
        this.tick();
        return this.judge(event.next, event.previous);
      case 'pause':
        this.require(['running', 'rolling_back'], 'pause');
        this.state.status = 'paused';
        this.state.intents.pause = { by: event.by, at: this.now, reason: event.reason };
        this.state.reason = { code: 'PAUSED', message: `paused by ${event.by}${event.reason ? `: ${event.reason}` : ''}` };
        return;
      case 'resume':
        return this.resume(event.by);
      case 'abort':
        this.require(['pending', 'running', 'paused', 'rolling_back'], 'abort');
        this.state.status = 'aborted';
        this.state.intents.abort = { by: event.by, at: this.now, reason: event.reason };
        this.state.reason = { code: 'ABORTED', message: `aborted by ${event.by}${event.reason ? `: ${event.reason}` : ''}` };
        this.note('ABORTED', this.state.reason.message);
        return;
      case 'rollback':
        return this.requestRollback(event.by, event.reason, event.confirmDataLoss === true);
      case 'shift-refused':
        return this.shiftRefused(event.reason);
    }
  }

  /** Starts whatever is due: the next steps of the current unit, or the next unit. */
  advance(): void {
    for (;;) {
      if (!ROLLOUT_MOVING.includes(this.state.status)) return;
      const unit = this.state.unit;
      if (unit.kind === 'done') {
        this.state.status = 'succeeded';
        this.state.reason = undefined;
        this.note('SUCCEEDED', 'every target host runs the new release');
        return;
      }
      if (unit.kind === 'observe' || unit.kind === 'pause') {
        if (this.now < unit.until) return;
        // A judged window ends with its last evaluation, made once its end has come.
        if (this.state.judgment && this.state.judgment.result === undefined) return;
        this.begin(nextUnit(this.spec, unit, this.now));
        continue;
      }
      const active = this.activeHosts();
      for (const hostname of active) {
        if (this.state.hosts[hostname].phase === 'waiting') this.issue(hostname);
      }
      if (!active.every((hostname) => ['done', 'skipped'].includes(this.state.hosts[hostname].phase))) return;
      if (unit.kind === 'rollback') {
        const next = nextRollbackUnit(this.spec, this.state.rollback!, unit);
        if (!next) return this.finishRollback();
        this.begin(next);
        continue;
      }
      this.begin(nextUnit(this.spec, unit, this.now));
    }
  }

  private start(): void {
    this.require(['pending'], 'start');
    const impossible = this.spec.waves.find((wave) => wave.hosts.length > 0 && batchesOf(this.spec, this.spec.waves.indexOf(wave)).length === 0);
    if (impossible) {
      this.state.status = 'failed';
      this.state.reason = {
        code: 'BATCH_POLICY_IMPOSSIBLE',
        message: `minHealthyPercent ${this.spec.batch.minHealthyPercent} lets no host of ${impossible.datacenter} out of service`,
      };
      this.note(this.state.reason.code, this.state.reason.message);
      return;
    }
    this.state.status = 'running';
    this.begin(firstUnit(this.spec));
  }

  private begin(unit: Unit): void {
    this.state.unit = unit;
    this.state.unitDeadlineAt = unit.kind === 'batch' ? this.now + this.spec.batchTimeoutMs : undefined;
    this.state.judgment = undefined;
    if ((unit.kind === 'observe' || unit.kind === 'pause') && this.spec.judgment && unit.until > this.now) {
      const scope = unit.kind === 'observe' ? 'ramp' : `${this.spec.waves[unit.wave].datacenter} batch ${unit.batch}`;
      this.state.judgment = { scope, from: this.now, dueAt: Math.min(this.now + this.spec.judgment.intervalMs, unit.until), until: unit.until, evaluations: [] };
    }
    const task = taskOf(this.spec, unit);
    if (!task) return;
    for (const hostname of this.activeHosts()) {
      const previous = this.state.hosts[hostname];
      // A host skipped as unreachable stays out of the rest of the rollout.
      if (previous?.phase === 'skipped') continue;
      this.state.hosts[hostname] = {
        task,
        phase: 'waiting',
        stepIndex: 0,
        attempt: 1,
        outOfService: previous?.outOfService ?? false,
        updated: previous?.updated ?? false,
      };
    }
  }

  private activeHosts(): string[] {
    const unit = this.state.unit;
    if (unit.kind === 'rollback') return rollbackHosts(this.spec, this.state.rollback!, unit);
    if (unit.kind !== 'gate') return hostsOf(this.spec, unit);
    const wave = this.spec.waves[unit.wave];
    const updated = [...wave.hosts].sort().find((hostname) => this.state.hosts[hostname]?.updated);
    return hostsOf(this.spec, unit, updated);
  }

  private issue(hostname: string): void {
    const host = this.state.hosts[hostname];
    const step = hostSteps(this.spec, host.task, hostname)[host.stepIndex];
    if (!step) {
      host.phase = 'done';
      return;
    }
    const key = commandKey({ rolloutId: this.spec.rolloutId, step: step.id, hostname, attempt: host.attempt });
    host.phase = 'running';
    host.key = key;
    host.deadlineAt = this.now + this.spec.stepTimeoutMs;
    if (step.name === 'drain') host.outOfService = true;
    this.commands.push({ hostname, key, step: step.id, command: step.command, deadlineAt: host.deadlineAt });
  }

  private completed(key: string): void {
    const found = this.hostRunning(key);
    if (!found) return; // a late or repeated answer: already accounted for
    const [hostname, host] = found;
    const steps = hostSteps(this.spec, host.task, hostname);
    const step = steps[host.stepIndex];
    if (step.name === 'restore') host.outOfService = false;
    if (step.name === 'health' && !steps.slice(host.stepIndex + 1).some((next) => next.name === 'health')) host.updated = host.task.kind !== 'rollback';
    host.stepIndex += 1;
    host.key = undefined;
    host.deadlineAt = undefined;
    host.phase = host.stepIndex >= steps.length ? 'done' : 'waiting';
    if (host.phase === 'done') this.note('HOST_DONE', `${hostname} finished ${describeTask(host.task)}`, hostname);
  }

  private failed(key: string, reason: string, message: string): void {
    const found = this.hostRunning(key);
    if (!found) return;
    const [hostname, host] = found;
    this.failHost(hostname, host, reason, message);
  }

  private lost(hostname: string): void {
    const host = this.state.hosts[hostname];
    if (!host || !this.activeHosts().includes(hostname) || !['running', 'waiting'].includes(host.phase)) return;
    this.failHost(hostname, host, CommandFailureReason.AgentLost, 'the agent is unreachable');
  }

  /** The host's current step failed with `code`: skip the host, or stop the rollout. */
  private failHost(hostname: string, host: HostProgress, code: string, detail: string): void {
    const step = hostSteps(this.spec, host.task, hostname)[host.stepIndex];
    const message = `${step?.id ?? describeTask(host.task)} failed: ${code}: ${detail}`;
    host.key = undefined;
    host.deadlineAt = undefined;
    if (code === CommandFailureReason.AgentLost && this.spec.skipUnreachable) {
      host.phase = 'skipped';
      host.reason = { code, message };
      this.note('HOST_SKIPPED', `${hostname} skipped (skipUnreachable): ${message}`, hostname);
      return;
    }
    host.phase = 'failed';
    host.reason = { code, message };
    this.note('HOST_STEP_FAILED', `${hostname}: ${message}`, hostname);
    if (this.state.status === 'running') this.stop('HOST_STEP_FAILED', `${hostname}: ${message}`);
    else if (this.state.status === 'rolling_back') {
      this.state.status = 'paused';
      this.state.reason = { code: 'ROLLBACK_STEP_FAILED', message: `${hostname}: ${message}` };
    }
  }

  /** Something failed the rollout: roll back when the plan says so and may, else pause for a person. */
  private stop(code: string, message: string): void {
    if (this.spec.autoRollback && this.spec.rollback.forwardCompatible) return this.startRollback('tarmac', `${code}: ${message}`, true);
    this.state.status = 'paused';
    const held = this.spec.autoRollback ? '; not rolled back automatically: the data is not forward-compatible, a person must confirm the loss' : '';
    this.state.reason = { code, message: `${message}${held}` };
  }

  private tick(): void {
    for (const [hostname, host] of Object.entries(this.state.hosts)) {
      if (host.phase === 'running' && host.deadlineAt !== undefined && host.deadlineAt <= this.now) {
        this.failHost(hostname, host, CommandFailureReason.DeadlineExceeded, `no answer within ${this.spec.stepTimeoutMs} ms`);
      }
    }
    const deadline = this.state.unitDeadlineAt;
    if (this.state.status === 'running' && this.state.unit.kind === 'batch' && deadline !== undefined && deadline <= this.now) {
      const message = `the batch did not finish within ${this.spec.batchTimeoutMs} ms`;
      this.note('BATCH_DEADLINE_EXCEEDED', message);
      this.stop('BATCH_DEADLINE_EXCEEDED', message);
    }
  }

  /** One evaluation of the window; the window concludes on a failure run or at its end. */
  private judge(next: VersionSignals, previous: VersionSignals): void {
    const window = this.state.judgment;
    const policy = this.spec.judgment;
    if (!policy || !window || !judgmentDue(this.state, this.now)) return;
    const evaluation = evaluate(next, previous, policy.thresholds);
    window.evaluations = [...window.evaluations, evaluation].slice(-Math.max(policy.thresholds.consecutiveFailures, 10));
    window.from = this.now;
    window.dueAt = Math.min(this.now + policy.intervalMs, window.until);
    const record: JudgmentRecord = { scope: window.scope, at: this.now, ...evaluation };
    this.judgments.push(record);
    const last = this.now >= window.until;
    // A window too short for the consecutive failures fails at its end when every evaluation in it failed.
    const run = last && window.evaluations.length < policy.thresholds.consecutiveFailures ? window.evaluations.length : policy.thresholds.consecutiveFailures;
    const verdict = conclude(window.evaluations, { ...policy.thresholds, consecutiveFailures: run });
    const figures = describeFigures(verdict.figures);
    if (verdict.result === 'fail') {
      window.result = record.conclusion = 'fail';
      const message = `${window.scope}: ${verdict.reasons.join('; ')} (${figures})`;
      this.note('JUDGMENT_FAILED', message);
      return this.stop('JUDGMENT_FAILED', message);
    }
    if (!last) return;
    window.result = record.conclusion = verdict.result;
    if (verdict.result === 'pass') return this.note('JUDGMENT_PASSED', `${window.scope}: the new release is within the thresholds (${figures})`);
    const message = `${window.scope}: ${verdict.reasons.join('; ')} (${figures})`;
    this.note('JUDGMENT_INCONCLUSIVE', message);
    // The ramp is the gate that needs evidence: too little of it waits for a person. After
    // a batch the ramp has already spoken, so the rollout goes on.
    if (window.scope === 'ramp') {
      this.state.status = 'paused';
      this.state.reason = { code: 'JUDGMENT_INCONCLUSIVE', message: `${message}; resume to go on without a judgment, or roll back` };
    }
  }

  private resume(by: string): void {
    this.require(['paused'], 'resume');
    const rollingBack = this.state.unit.kind === 'rollback';
    this.state.status = rollingBack ? 'rolling_back' : 'running';
    this.state.intents.pause = undefined;
    this.state.reason = rollingBack ? rollbackReason(this.state) : undefined;
    if (this.state.unit.kind === 'batch') this.state.unitDeadlineAt = this.now + this.spec.batchTimeoutMs;
    for (const hostname of this.activeHosts()) {
      const host = this.state.hosts[hostname];
      if (host.phase === 'failed') {
        host.phase = 'waiting';
        host.attempt += 1;
        host.reason = undefined;
      }
    }
    this.note('RESUMED', `resumed by ${by}`);
  }

  private requestRollback(by: string, reason: string, confirmDataLoss: boolean): void {
    if (this.state.rollback) {
      const what = this.state.status === 'rolled_back' ? 'has been rolled back' : 'is rolling back (resume it to go on)';
      throw new Conflict('ROLLBACK_ALREADY_STARTED', `the rollout ${what}`);
    }
    this.require(['running', 'paused', 'succeeded', 'failed', 'aborted'], 'roll back');
    if (!this.spec.rollback.forwardCompatible && !confirmDataLoss) {
      throw new Conflict(
        'DATA_LOSS_NOT_CONFIRMED',
        `the plan declares its data not forward-compatible (${this.spec.rollback.note}): going back may lose data written since; send confirmDataLoss: true with a reason`,
      );
    }
    this.startRollback(by, reason, false);
  }

  private startRollback(by: string, reason: string, automatic: boolean): void {
    const rollback = { by, at: this.now, reason, automatic, groups: rollbackGroups(this.spec, this.state) };
    this.state.rollback = rollback;
    this.state.judgment = undefined;
    this.state.intents.pause = undefined;
    this.state.status = 'rolling_back';
    this.state.reason = rollbackReason(this.state);
    this.note('ROLLBACK_STARTED', this.state.reason.message);
    for (const hostname of rollback.groups.flatMap((group) => group.hosts)) {
      const missing = this.spec.releases.filter((r) => !this.spec.previous[hostname]?.[r.service]).map((r) => r.service);
      if (missing.length > 0) this.note('NO_PREVIOUS_RELEASE', `${hostname} has no earlier release of ${missing.join(', ')} to go back to; it keeps the new one`, hostname);
    }
    const first = firstRollbackUnit(this.spec, rollback);
    if (!first) return this.finishRollback();
    this.begin(first);
  }

  private shiftRefused(reason: string): void {
    const unit = this.state.unit;
    const rollback = this.state.rollback;
    if (unit.kind !== 'rollback' || unit.shift !== 'drain' || !rollback) return;
    const datacenter = rollback.groups[unit.group]!.name;
    for (const hostname of this.activeHosts()) {
      const host = this.state.hosts[hostname];
      if (host.phase === 'running' || host.phase === 'waiting') Object.assign(host, { phase: 'done', key: undefined, deadlineAt: undefined });
    }
    rollback.shiftsRefused = [...(rollback.shiftsRefused ?? []), `${unit.step}/${datacenter}`];
    this.note('TRAFFIC_SHIFT_REFUSED', `step ${unit.step + 1}: ${datacenter} keeps its traffic while its hosts go back: ${reason}`);
    const next = nextRollbackUnit(this.spec, rollback, unit);
    if (next) this.begin(next);
    else this.finishRollback();
  }

  private finishRollback(): void {
    const rollback = this.state.rollback!;
    this.state.status = 'rolled_back';
    this.state.unit = { kind: 'done' };
    this.state.unitDeadlineAt = undefined;
    const hosts = rollback.groups.reduce((sum, group) => sum + group.hosts.length, 0);
    this.state.reason = { code: 'ROLLED_BACK', message: `${describeRollback(rollback)}: ${rollback.reason}` };
    this.note('ROLLED_BACK', `${hosts} host(s) back on their previous release, ${this.spec.rollback.steps.length} step(s) in order`);
  }

  /** The host running the command `key` (`<rollout>/<step>/<host>/<attempt>`), found by the host its key names. */
  private hostRunning(key: string): [string, HostProgress] | undefined {
    const hostname = key.split('/')[2] ?? '';
    const host = Object.hasOwn(this.state.hosts, hostname) ? this.state.hosts[hostname] : undefined;
    return host && host.phase === 'running' && host.key === key ? [hostname, host] : undefined;
  }

  private require(allowed: RolloutState['status'][], what: string): void {
    if (!allowed.includes(this.state.status)) {
      const terminal = ROLLOUT_TERMINAL.includes(this.state.status) ? ' (it has ended)' : '';
      throw new Conflict('INVALID_TRANSITION', `cannot ${what} a rollout that is ${this.state.status}${terminal}`);
    }
  }

  private note(code: string, message: string, hostname?: string): void {
    this.notes.push(hostname ? { code, message, hostname } : { code, message });
  }
}

function taskOf(spec: RolloutSpec, unit: Unit): HostTask | undefined {
  switch (unit.kind) {
    case 'preview':
      return { kind: 'preview' };
    case 'ramp':
      return { kind: 'ramp' };
    case 'batch':
      return { kind: 'wave', datacenter: spec.waves[unit.wave].datacenter };
    case 'gate':
      return { kind: 'gate', datacenter: spec.waves[unit.wave].datacenter };
    case 'rollback':
      return unit.shift ? { kind: 'rollback', step: unit.step, shift: unit.shift } : { kind: 'rollback', step: unit.step };
    default:
      return undefined;
  }
}

function describeRollback(rollback: NonNullable<RolloutState['rollback']>): string {
  return rollback.automatic ? 'rolled back automatically' : `rolled back by ${rollback.by}`;
}

function rollbackReason(state: RolloutState): { code: string; message: string } {
  const rollback = state.rollback!;
  return { code: 'ROLLING_BACK', message: `${rollback.automatic ? 'automatic rollback' : `rollback by ${rollback.by}`}: ${rollback.reason}` };
}

function describeFigures(f: ReturnType<typeof evaluate>['figures']): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  return `new: ${f.newRequests} requests, 5xx ${pct(f.new5xxRatio)}, errors ${pct(f.newErrorRatio)}, ${f.newHealthFailures} health failures, ${f.newRestarts} restarts; old: ${f.oldRequests} requests, 5xx ${pct(f.old5xxRatio)}, errors ${pct(f.oldErrorRatio)}`;
}
