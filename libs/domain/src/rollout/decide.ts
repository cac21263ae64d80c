// The rollout as a pure function: decide(spec, state, event, now) -> { state, commands,
// notes }. No clock, no I/O: the caller persists the state, sends the commands after
// commit and records the notes.
import { CommandFailureReason, commandKey } from '../../../protocol/src/index.js';
import { Conflict } from '../errors.js';
import { hostSteps, type HostTask } from './host-steps.js';
import type { RolloutSpec } from './rollout-spec.js';
import { ROLLOUT_TERMINAL, type Decision, type HostProgress, type Note, type OutgoingCommand, type RolloutState } from './rollout-state.js';
import { batchesOf, firstUnit, hostsOf, nextUnit, type Unit } from './units.js';

export type RolloutEvent =
  | { type: 'start' }
  | { type: 'command-completed'; key: string }
  | { type: 'command-failed'; key: string; reason: string; message: string }
  | { type: 'host-lost'; hostname: string }
  | { type: 'tick' }
  | { type: 'pause'; by: string; reason?: string }
  | { type: 'resume'; by: string }
  | { type: 'abort'; by: string; reason?: string };

export function decide(spec: RolloutSpec, state: RolloutState, event: RolloutEvent, now: number): Decision {
  const draft = new Draft(spec, structuredClone(state), now);
  draft.apply(event);
  draft.advance();
  return { state: draft.state, commands: draft.commands, notes: draft.notes };
}

class Draft {
  readonly commands: OutgoingCommand[] = [];
  readonly notes: Note[] = [];

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
      case 'pause':
        this.require(['running'], 'pause');
        this.state.status = 'paused';
        this.state.intents.pause = { by: event.by, at: this.now, reason: event.reason };
        this.state.reason = { code: 'PAUSED', message: `paused by ${event.by}${event.reason ? `: ${event.reason}` : ''}` };
        return;
      case 'resume':
        return this.resume(event.by);
      case 'abort':
        this.require(['pending', 'running', 'paused'], 'abort');
        this.state.status = 'aborted';
        this.state.intents.abort = { by: event.by, at: this.now, reason: event.reason };
        this.state.reason = { code: 'ABORTED', message: `aborted by ${event.by}${event.reason ? `: ${event.reason}` : ''}` };
        this.note('ABORTED', this.state.reason.message);
        return;
    }
  }

  /** Starts whatever is due: the next steps of the current unit, or the next unit. */
  advance(): void {
    for (;;) {
      if (this.state.status !== 'running') return;
      const unit = this.state.unit;
      if (unit.kind === 'done') {
        this.state.status = 'succeeded';
        this.state.reason = undefined;
        this.note('SUCCEEDED', 'every target host runs the new release');
        return;
      }
      if (unit.kind === 'observe' || unit.kind === 'pause') {
        if (this.now < unit.until) return;
        this.begin(nextUnit(this.spec, unit, this.now));
        continue;
      }
      const active = this.activeHosts();
      for (const hostname of active) {
        if (this.state.hosts[hostname].phase === 'waiting') this.issue(hostname);
      }
      if (!active.every((hostname) => ['done', 'skipped'].includes(this.state.hosts[hostname].phase))) return;
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
    if (unit.kind !== 'gate') return hostsOf(this.spec, unit);
    const wave = this.spec.waves[unit.wave];
    const updated = [...wave.hosts].sort().find((hostname) => this.state.hosts[hostname]?.updated);
    return hostsOf(this.spec, unit, updated);
  }

  private issue(hostname: string): void {
    const host = this.state.hosts[hostname];
    const steps = hostSteps(this.spec, host.task);
    const step = steps[host.stepIndex];
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
    const steps = hostSteps(this.spec, host.task);
    const step = steps[host.stepIndex];
    if (step.name === 'restore') host.outOfService = false;
    if (step.name === 'health' && !steps.slice(host.stepIndex + 1).some((next) => next.name === 'health')) host.updated = true;
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

  /** The host's current step failed with `code`: skip the host, or pause the rollout. */
  private failHost(hostname: string, host: HostProgress, code: string, detail: string): void {
    const step = hostSteps(this.spec, host.task)[host.stepIndex];
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
    if (this.state.status === 'running') {
      this.state.status = 'paused';
      this.state.reason = { code: 'HOST_STEP_FAILED', message: `${hostname}: ${message}` };
    }
  }

  private tick(): void {
    for (const [hostname, host] of Object.entries(this.state.hosts)) {
      if (host.phase === 'running' && host.deadlineAt !== undefined && host.deadlineAt <= this.now) {
        this.failHost(hostname, host, CommandFailureReason.DeadlineExceeded, `no answer within ${this.spec.stepTimeoutMs} ms`);
      }
    }
    const deadline = this.state.unitDeadlineAt;
    if (this.state.status === 'running' && this.state.unit.kind === 'batch' && deadline !== undefined && deadline <= this.now) {
      this.state.status = 'paused';
      this.state.reason = { code: 'BATCH_DEADLINE_EXCEEDED', message: `the batch did not finish within ${this.spec.batchTimeoutMs} ms` };
      this.note(this.state.reason.code, this.state.reason.message);
    }
  }

  private resume(by: string): void {
    this.require(['paused'], 'resume');
    this.state.status = 'running';
    this.state.intents.pause = undefined;
    this.state.reason = undefined;
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

  private hostRunning(key: string): [string, HostProgress] | undefined {
    const entry = Object.entries(this.state.hosts).find(([, host]) => host.phase === 'running' && host.key === key);
    return entry;
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
    default:
      return undefined;
  }
}

function describeTask(task: HostTask): string {
  return task.kind === 'wave' || task.kind === 'gate' ? `${task.kind} ${task.datacenter}` : task.kind;
}
