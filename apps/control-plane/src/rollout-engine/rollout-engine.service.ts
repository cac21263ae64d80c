// Runs rollouts: each event (a start, an agent's report, time passing, a person's
// intent) is decided by the pure core inside one transaction that also writes the new
// state, the commands (to the hosts' command logs), the audit entries and the dashboard
// events. Commands go to the agents only after that transaction commits.
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  Conflict,
  decide,
  decideMany,
  DomainError,
  initialRolloutState,
  INTENTS,
  judgmentDue,
  mayDrainDatacenter,
  nextDueAt,
  NotFound,
  ROLLOUT_TERMINAL,
  type Decision,
  type RolloutEvent,
  type RolloutSpec,
  reportOutcome,
  type ReportOutcome,
  type RolloutState,
} from '../../../../libs/domain/src/index.js';
import { DashboardEvent, type CommandDispatch, type PlanSpec, type RolloutView } from '../../../../libs/protocol/src/index.js';
import { AgentSockets } from '../agents/agent-sockets.js';
import { AuditLogRepository, SYSTEM_ACTOR, type Actor } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { WriteBatcher } from '../common/write-batcher.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { EventOutboxRepository, type OutboxEvent } from '../dashboard/event-outbox.repository.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RolloutLifecycle } from '../rollouts/rollout-lifecycle.service.js';
import { RolloutRepository, type StoredRollout } from '../rollouts/rollout.repository.js';
import { SignalRepository } from '../signals/signal.repository.js';
import { DatacenterTrafficRepository } from '../traffic/datacenter-traffic.repository.js';
import { HostCommandRepository } from './host-command.repository.js';
import { HostReleaseRepository } from './host-release.repository.js';
import { hostStepsEvents, type HostStepOutcome } from './host-steps-events.js';
import { RolloutSpecBuilder } from './rollout-spec.builder.js';
import { toRolloutChange, toRolloutView } from './rollout-view.js';

export type CommandReport =
  | { outcome: 'completed'; key: string; result: unknown }
  | { outcome: 'failed'; key: string; reason: string; message: string };

/** A command written to a host's log, to send once its transaction has committed. */
export interface OutgoingCommand {
  hostname: string;
  dispatch: CommandDispatch;
}
type Outgoing = OutgoingCommand;

/** What a deciding transaction leaves for after its commit: the commands to send and the events it wrote. */
interface AfterCommit {
  commands: Outgoing[];
  events: OutboxEvent[];
}
const afterCommitOf = (): AfterCommit => ({ commands: [], events: [] });
const MAX_CACHED_SPECS = 100;

@Injectable()
export class RolloutEngine {
  private readonly logger = new Logger(RolloutEngine.name);

  private readonly fixedSpecs = new Map<string, RolloutSpec>();
  /** Acks of a fan-out are recorded together, not one UPDATE each. */
  private readonly acks = new WriteBatcher<{ hostname: string; seq: number; at: Date }, void>(async (items) => {
    await this.commands.markSent(items);
    return items.map(() => undefined);
  }, 2000);
  private readonly reports = new WriteBatcher<{ hostname: string; report: CommandReport }, boolean>((items) => this.decideReports(items), 500);

  constructor(
    private readonly db: DataSource,
    private readonly rollouts: RolloutRepository,
    private readonly commands: HostCommandRepository,
    private readonly hostReleases: HostReleaseRepository,
    private readonly signals: SignalRepository,
    private readonly datacenterTraffic: DatacenterTrafficRepository,
    private readonly specs: RolloutSpecBuilder,
    private readonly audit: AuditLogRepository,
    private readonly outbox: EventOutboxRepository,
    private readonly publisher: DashboardPublisher,
    private readonly sockets: AgentSockets,
    private readonly lifecycle: RolloutLifecycle,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
  ) {}

  /** A person's intent or time passing. `wait: false` skips a rollout another replica is deciding for. */
  async apply(rolloutId: string, event: RolloutEvent, actor: Actor = SYSTEM_ACTOR, wait = true): Promise<RolloutView | undefined> {
    const after = afterCommitOf();
    const rollout = await this.db.transaction((tx) => this.decideIn(tx, rolloutId, event, actor, after, wait));
    this.afterCommit(after);
    return rollout && toRolloutView(rollout);
  }

  /**
   * An agent's report on a command: closes the command, then lets the rollout decide.
   * Reports are group-committed: those arriving while one batch is being decided go
   * together in the next, each rollout deciding all of its reports in one transaction
   * (one lock, one state write) instead of one transaction per report.
   */
  async report(hostname: string, report: CommandReport): Promise<ReportOutcome> {
    if (await this.reports.submit({ hostname, report })) return 'recorded';
    // Closed nothing: off the hot path, say whether it was a repeat or a command never sent here.
    return reportOutcome(await this.commands.standingOf(hostname, report.key), 'closed-now');
  }

  /** An agent's progress on a command: heard only for a command of that host still open. */
  async progress(hostname: string, key: string): Promise<ReportOutcome> {
    return reportOutcome(await this.commands.standingOf(hostname, key), 'open');
  }

  /** Per report: whether it closed its command. */
  private async decideReports(items: { hostname: string; report: CommandReport }[]): Promise<boolean[]> {
    const after = afterCommitOf();
    const now = this.clock.now();
    let closed: boolean[] = [];
    await this.db.transaction(async (tx) => {
      // Rollout rows first (in id order), then their commands: the order every decision
      // locks in, so reports and decisions (a tick, an abort) cannot deadlock.
      const owners = await this.commands.rolloutsOf(tx, items.map(({ hostname, report }) => ({ hostname, key: report.key })));
      await this.rollouts.lockAll(tx, [...new Set(owners.values())]);
      const events = new Map<string, RolloutEvent[]>();
      const steps: HostStepOutcome[] = [];
      const closing = await this.commands.close(
        tx,
        items.map(({ hostname, report }) => ({
          hostname,
          key: report.key,
          outcome:
            report.outcome === 'completed'
              ? { status: 'completed' as const, result: report.result }
              : { status: 'failed' as const, reason: report.reason, message: report.message },
        })),
        now,
      );
      closed = closing.map((command) => command !== undefined);
      for (const [i, { hostname, report }] of items.entries()) {
        const closed = closing[i];
        if (!closed) continue; // repeated, late or unknown: already accounted for
        if (closed.sentAt) {
          this.metrics.hostStepDuration.observe({ step: closed.step.split(':')[1] ?? 'unknown' }, (now.getTime() - closed.sentAt.getTime()) / 1000);
        }
        if (report.outcome === 'completed') this.metrics.commandsCompleted.inc();
        else this.metrics.commandsFailed.inc({ reason: report.reason });
        if (closed.rolloutId === null) {
          // Outside any rollout (a switch:set, a traffic shift): nothing decides on it; closing it is all.
          if (report.outcome === 'failed') this.logger.warn(`${report.key} on ${hostname} failed: ${report.reason}: ${report.message}`);
          continue;
        }
        const rolloutId = closed.rolloutId;
        steps.push({
          rolloutId,
          hostname,
          step: closed.step,
          status: report.outcome,
          attempt: Number(report.key.split('/').at(-1)),
          reason: report.outcome === 'failed' ? { code: report.reason, message: report.message } : null,
        });
        const event: RolloutEvent =
          report.outcome === 'completed'
            ? { type: 'command-completed', key: report.key }
            : { type: 'command-failed', key: report.key, reason: report.reason, message: report.message };
        events.set(rolloutId, [...(events.get(rolloutId) ?? []), event]);
      }
      after.events.push(...(await this.outbox.appendEvents(tx, hostStepsEvents(steps))));
      for (const [rolloutId, list] of events) await this.decideIn(tx, rolloutId, list, SYSTEM_ACTOR, after, true);
    });
    this.afterCommit(after);
    return closed;
  }

  /** Sends a host's unanswered commands again: after its agent (re)registers, or when never acknowledged. */
  async resend(hostname: string, afterSeq = 0): Promise<void> {
    for (const dispatch of await this.commands.openFor(hostname, afterSeq)) {
      if (!(await this.send({ hostname, dispatch }))) return;
    }
  }

  async get(rolloutId: string): Promise<RolloutView> {
    const rollout = await this.rollouts.find(rolloutId);
    if (!rollout) throw new NotFound('rollout', rolloutId);
    return toRolloutView(rollout);
  }

  /** The rollout and the event sequence it is at, read together: a watcher applies only later events. */
  async snapshot(rolloutId: string): Promise<{ seq: number; rollout: RolloutView }> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      const seq = await this.outbox.currentSeq(tx);
      // A plain read: in REPEATABLE READ a row lock would fail on any concurrent decision.
      const rollout = await this.rollouts.find(rolloutId, tx);
      if (!rollout) throw new NotFound('rollout', rolloutId);
      return { seq, rollout: toRolloutView(rollout) };
    });
  }

  async list(filter: { planId?: string; status?: string }): Promise<RolloutView[]> {
    return (await this.rollouts.list(filter)).map(toRolloutView);
  }

  private async decideIn(
    tx: EntityManager,
    rolloutId: string,
    given: RolloutEvent | RolloutEvent[],
    actor: Actor,
    after: AfterCommit,
    wait: boolean,
  ): Promise<StoredRollout | undefined> {
    const cachedSpec = this.fixedSpecs.get(rolloutId);
    const locked = await this.rollouts.lock(tx, rolloutId, wait, !cachedSpec);
    const rollout = locked && cachedSpec ? { ...locked, spec: cachedSpec } : locked;
    if (!rollout) {
      if (wait) throw new NotFound('rollout', rolloutId);
      return undefined;
    }
    // An ended rollout never changes on its own again; a person's intent on it is still
    // decided, so it gets its refusal (or, for a rollback, its way).
    let events = Array.isArray(given) ? given : [given];
    if (!events.some((event) => INTENTS.includes(event.type)) && (ROLLOUT_TERMINAL as readonly string[]).includes(rollout.status)) return rollout;
    const now = this.clock.now();
    const spec = rollout.spec ?? (await this.buildSpec(tx, rollout, now));
    if (!spec) return this.rollouts.lock(tx, rolloutId);
    const before: RolloutState = rollout.state ?? initialRolloutState();
    if (events.some((event) => event.type === 'rollback')) await this.refuseIfSuperseded(tx, rollout, spec);
    // Time passing in a judged window: the evaluation that is due, from the signals received since the last one.
    if (events.length === 1 && events[0]!.type === 'tick' && judgmentDue(before, now.getTime())) events = [await this.signalsEvent(tx, spec, before, now)];
    const decision = await this.shiftTraffic(tx, rollout.id, spec, decideMany(spec, before, events, now.getTime()), now);
    if (rollout.spec && !changed(before, decision)) return rollout;

    const terminal = (status: string) => (ROLLOUT_TERMINAL as readonly string[]).includes(status);
    const finished = terminal(decision.state.status) && !terminal(before.status);
    const reopened = !terminal(decision.state.status) && terminal(before.status);
    const dueAt = nextDueAt(decision.state);
    await this.rollouts.save(tx, rollout.id, { spec: rollout.spec ? undefined : spec, state: decision.state, dueAt: dueAt === undefined ? null : new Date(dueAt), finished, reopened }, now);
    await this.recordJudgments(tx, rollout.id, decision, now);
    const dispatches = await this.commands.appendMany(
      tx,
      decision.commands.map((command) => ({ ...command, rolloutId: rollout.id, deadlineAt: new Date(command.deadlineAt) })),
      now,
    );
    dispatches.forEach((dispatch, i) => after.commands.push({ hostname: decision.commands[i]!.hostname, dispatch }));
    const finishedAt = finished ? now : reopened ? null : rollout.finishedAt;
    const decided: StoredRollout = { ...rollout, spec, state: decision.state, updatedAt: now, finishedAt };
    // The steps sent, then the rollout as it now is: one numbering, one statement.
    const written = await this.outbox.appendEvents(tx, [
      ...hostStepsEvents(
        decision.commands.map((command) => ({
          rolloutId: rollout.id,
          hostname: command.hostname,
          step: command.step,
          status: 'sent' as const,
          attempt: Number(command.key.split('/').at(-1)),
          reason: null,
        })),
      ),
      { type: DashboardEvent.RolloutUpdated, payload: toRolloutChange(decided, before) },
    ]);
    after.events.push(...written);
    const waitingFor = Object.values(decision.state.hosts).flatMap((host) => (host.phase === 'running' && host.key ? [host.key] : []));
    await this.commands.abandonOpen(tx, rollout.id, waitingFor, now);
    await this.record(tx, rollout.id, rollout.planId, events, actor, decision, now);
    this.rememberSpec(rollout.id, spec, decision.state.status);
    if (finished) {
      this.metrics.rolloutsFinished.inc({ status: decision.state.status });
      if (decision.state.status === 'succeeded') await this.hostReleases.recordSucceeded(tx, rollout.id, spec, decision.state, now);
      if (decision.state.status === 'rolled_back') await this.hostReleases.recordRolledBack(tx, rollout.id, spec, decision.state, now);
      await this.lifecycle.onRolloutFinished(rollout.id, tx);
    }
    return decided;
  }

  /**
   * Fixed specs of the rollouts this process decides, kept parsed: a spec never changes
   * once fixed (with every host's previous release it is the larger document). Dropped
   * when the rollout ends; bounded, in case many run at once.
   */
  private rememberSpec(rolloutId: string, spec: RolloutSpec, status: RolloutState['status']): void {
    if ((ROLLOUT_TERMINAL as readonly string[]).includes(status)) {
      this.fixedSpecs.delete(rolloutId);
      return;
    }
    if (!this.fixedSpecs.has(rolloutId) && this.fixedSpecs.size >= MAX_CACHED_SPECS) this.fixedSpecs.delete(this.fixedSpecs.keys().next().value!);
    this.fixedSpecs.set(rolloutId, spec);
  }

  /** People's intents and every automatic decision go to the audit log with their reasons (and a judgment's figures). */
  private async record(tx: EntityManager, rolloutId: string, planId: string, events: RolloutEvent[], actor: Actor, decision: Decision, now: Date) {
    const base = { entityType: 'rollout', entityId: rolloutId, planId, at: now };
    for (const event of events) {
      if (event.type !== 'pause' && event.type !== 'resume' && event.type !== 'abort' && event.type !== 'rollback') continue;
      const action = { pause: 'rollout.paused', resume: 'rollout.resumed', abort: 'rollout.aborted', rollback: 'rollout.rollback-requested' }[event.type];
      const reason = event.type === 'resume' ? null : (event.reason ?? null);
      const after = event.type === 'rollback' ? { status: decision.state.status, confirmDataLoss: event.confirmDataLoss === true } : { status: decision.state.status };
      await this.audit.record(tx, { ...base, actor, action, reason, after });
    }
    const judged = decision.judgments.at(-1);
    for (const note of decision.notes) {
      if (note.code === 'HOST_DONE') continue;
      const after = note.code.startsWith('JUDGMENT_') && judged ? { scope: judged.scope, reasons: judged.reasons, figures: judged.figures } : note.hostname ? { hostname: note.hostname } : undefined;
      await this.audit.record(tx, { ...base, actor: SYSTEM_ACTOR, action: `rollout.${note.code.toLowerCase().replace(/_/g, '-')}`, reason: note.message, after });
    }
  }

  private async recordJudgments(tx: EntityManager, rolloutId: string, decision: Decision, now: Date): Promise<void> {
    for (const judgment of decision.judgments) {
      await tx.query(
        `INSERT INTO rollout_judgments (rollout_id, scope, at, verdict, conclusion, reasons, figures) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [rolloutId, judgment.scope, new Date(judgment.at), judgment.verdict, judgment.conclusion ?? null, JSON.stringify(judgment.reasons), JSON.stringify(judgment.figures)],
      );
    }
    if (decision.judgments.length > 0) this.logger.debug(`rollout ${rolloutId}: ${decision.judgments.map((j) => `${j.scope} ${j.verdict}`).join(', ')} at ${now.toISOString()}`);
  }

  /** The signals of the judgment window since its last evaluation, as the event that evaluates them. */
  private async signalsEvent(tx: EntityManager, spec: RolloutSpec, state: RolloutState, now: Date): Promise<RolloutEvent> {
    const services = spec.releases.map((r) => r.service);
    const releases = spec.releases.map((r) => r.release);
    const window = await this.signals.window(tx, services, releases, new Date(state.judgment!.from), now);
    return { type: 'signals', ...window };
  }

  /**
   * A rollback step's datacenter traffic shift goes through the same record as an
   * operator's (datacenter_traffic, under the service's lock): a drain that would leave
   * the service no serving datacenter, or of a datacenter an operator already drained, is
   * refused and the rollback goes on without it; one that goes ahead is recorded and audited.
   */
  private async shiftTraffic(tx: EntityManager, rolloutId: string, spec: RolloutSpec, decision: Decision, now: Date): Promise<Decision> {
    const shifts = decision.commands.filter((c) => (c.command.type === 'traffic:drain' || c.command.type === 'traffic:restore') && c.command.scope === 'datacenter');
    const unit = decision.state.unit;
    if (shifts.length === 0 || unit.kind !== 'rollback' || !decision.state.rollback) return decision;
    const datacenter = decision.state.rollback.groups[unit.group]!.name;
    const serving = shifts[0]!.command.type === 'traffic:restore';
    const services = [...new Set(shifts.map((c) => ('service' in c.command ? c.command.service : '')))];
    for (const service of services) {
      await this.datacenterTraffic.lockService(tx, service);
      if (serving) continue;
      const datacenters = await this.datacenterTraffic.list(service, tx);
      const facts = datacenters.map((d) => ({ datacenter: d.datacenter, serving: d.serving, hosts: d.hosts.length }));
      const refusal = datacenters.find((d) => d.datacenter === datacenter)?.serving === false
        ? `an operator has drained ${datacenter} for ${service} already`
        : !mayDrainDatacenter(facts, datacenter)
          ? `draining ${datacenter} would leave ${service} no serving datacenter`
          : undefined;
      if (refusal) {
        const refused = decide(spec, decision.state, { type: 'shift-refused', reason: refusal }, now.getTime());
        return {
          state: refused.state,
          commands: [...decision.commands.filter((c) => !shifts.includes(c)), ...refused.commands],
          notes: [...decision.notes, ...refused.notes],
          judgments: [...decision.judgments, ...refused.judgments],
        };
      }
    }
    const reason = `rollback of rollout ${rolloutId}, step ${unit.step + 1}`;
    for (const service of services) {
      await this.datacenterTraffic.upsert(tx, { service, datacenter, serving, reason, changedBy: SYSTEM_ACTOR.name, shiftId: null }, now);
      await this.audit.record(tx, {
        actor: SYSTEM_ACTOR,
        action: serving ? 'traffic.restored' : 'traffic.drained',
        entityType: 'datacenter-traffic',
        entityId: `${service}/${datacenter}`,
        before: { serving: !serving },
        after: { serving, hosts: shifts.filter((c) => 'service' in c.command && c.command.service === service).map((c) => c.hostname) },
        reason,
        at: now,
      });
    }
    return decision;
  }

  /** A rollout a later one has taken over (same services, started after it) cannot be rolled back: its previous releases are stale. */
  private async refuseIfSuperseded(tx: EntityManager, rollout: StoredRollout, spec: RolloutSpec): Promise<void> {
    const rows: { id: string; status: string }[] = await tx.query(
      `SELECT r.id, r.status FROM rollouts r JOIN plans p ON p.id = r.plan_id
        WHERE r.id <> $1 AND r.created_at > $2 AND r.status NOT IN ('pending', 'rolled_back')
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.spec->'releases') AS rel WHERE rel->>'service' = ANY($3::text[]))
        ORDER BY r.created_at LIMIT 1`,
      [rollout.id, rollout.createdAt, spec.releases.map((r) => r.service)],
    );
    const later = rows[0];
    if (later) {
      throw new Conflict('ROLLOUT_SUPERSEDED', `rollout ${later.id} (${later.status}) has released the same services since; roll back that one instead`);
    }
  }

  /** Fixes the rollout's spec at its start; a plan that cannot be rolled out fails the rollout with the reason. */
  private async buildSpec(tx: EntityManager, rollout: StoredRollout, now: Date): Promise<RolloutSpec | undefined> {
    const [plan]: { spec: PlanSpec }[] = await tx.query('SELECT spec FROM plans WHERE id = $1', [rollout.planId]);
    try {
      if (!plan) throw new NotFound('plan', rollout.planId);
      return await this.specs.build(rollout.id, rollout.planId, plan.spec, tx);
    } catch (error) {
      const reason = { code: error instanceof DomainError ? error.code : 'PLAN_NOT_RUNNABLE', message: (error as Error).message };
      await tx.query(`UPDATE rollouts SET status = 'failed', reason = $2, updated_at = $3, finished_at = $3 WHERE id = $1`, [rollout.id, reason, now]);
      await this.audit.record(tx, { actor: SYSTEM_ACTOR, action: 'rollout.failed', entityType: 'rollout', entityId: rollout.id, planId: rollout.planId, reason: `${reason.code}: ${reason.message}`, at: now });
      await this.lifecycle.onRolloutFinished(rollout.id, tx);
      return undefined;
    }
  }

  /** Sends commands another service wrote to the hosts' logs, once its transaction has committed. */
  dispatchCommitted(outgoing: OutgoingCommand[]): void {
    this.publisher.poke();
    for (const item of outgoing) void this.send(item);
  }

  private afterCommit({ commands, events }: AfterCommit): void {
    this.publisher.committed(events);
    for (const item of commands) void this.send(item);
  }

  private async send({ hostname, dispatch }: Outgoing): Promise<boolean> {
    this.metrics.commandsSent.inc();
    const acknowledged = await this.sockets.dispatch(hostname, dispatch);
    if (!acknowledged) return false;
    this.metrics.commandsAcknowledged.inc();
    await this.acks.submit({ hostname, seq: dispatch.seq, at: this.clock.now() }).catch((error: unknown) => {
      this.logger.warn(`marking ${dispatch.key} sent failed: ${String(error)}`);
    });
    return true;
  }
}

function changed(before: RolloutState, decision: Decision): boolean {
  return decision.commands.length > 0 || decision.notes.length > 0 || JSON.stringify(before) !== JSON.stringify(decision.state);
}
