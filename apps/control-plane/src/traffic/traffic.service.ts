// Datacenter traffic shifts: an operator drains a service's traffic off a datacenter, or
// restores it. In one transaction, under the service's lock: the rule (a service keeps a
// serving datacenter that has hosts; libs/domain), the stored state, the audit entries
// (also on any rollout in progress that releases the service), and a traffic command
// with scope `datacenter` in the log of every host of the datacenter. The commands go
// out after commit. Asking for the state a datacenter already has changes nothing: no
// commands, no audit entry, 200 with `changed: false`.
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { decideTrafficShift, DomainError, NotFound } from '../../../../libs/domain/src/index.js';
import { AuditLogRepository, type Actor } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { HostChanges } from '../hosts/host-changes.js';
import { HostCommandRepository, type NewHostCommand } from '../rollout-engine/host-command.repository.js';
import { RolloutEngine, type OutgoingCommand } from '../rollout-engine/rollout-engine.service.js';
import type { Command, DatacenterTrafficChange, DatacenterTrafficResult, DatacenterTrafficView } from '../../../../libs/protocol/src/index.js';
import { DatacenterTrafficRepository } from './datacenter-traffic.repository.js';

/** An unanswered command is resent on reconnect; the deadline only bounds how long it counts as open. */
const COMMAND_DEADLINE_MS = 10 * 60_000;

@Injectable()
export class TrafficService implements OnApplicationShutdown {
  private readonly logger = new Logger(TrafficService.name);
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly traffic: DatacenterTrafficRepository,
    private readonly commands: HostCommandRepository,
    private readonly engine: RolloutEngine,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: Config,
    hostChanges: HostChanges,
  ) {
    this.unsubscribe = hostChanges.subscribe(async (change) => {
      if (change.kind !== 'moved') return;
      await this.followDatacenter(change.hostname, change.from, change.to).catch((error: unknown) => {
        this.logger.error(`aligning the traffic of ${change.hostname} with ${change.to} failed: ${String(error)}`);
      });
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe();
  }

  async list(service: string): Promise<DatacenterTrafficView[]> {
    if (!(await this.traffic.serviceExists(service))) throw new NotFound('service', service);
    return this.traffic.list(service);
  }

  async set(actor: Actor, service: string, datacenter: string, change: DatacenterTrafficChange): Promise<DatacenterTrafficResult> {
    const now = this.clock.now();
    const outgoing: OutgoingCommand[] = [];
    const result = await this.db.transaction(async (tx): Promise<DatacenterTrafficResult> => {
      if (!(await this.traffic.lockService(tx, service))) throw new NotFound('service', service);
      const datacenters = await this.traffic.list(service, tx);
      const before = datacenters.find((d) => d.datacenter === datacenter);
      if (!before) {
        if (await this.traffic.datacenterCatalogued(tx, datacenter)) {
          throw new DomainError('not_found', 'DATACENTER_HAS_NO_HOSTS', `datacenter ${JSON.stringify(datacenter)} has no hosts: no traffic of ${service} to shift there`);
        }
        throw new NotFound('datacenter', datacenter);
      }
      const facts = datacenters.map((d) => ({ datacenter: d.datacenter, serving: d.serving, hosts: d.hosts.length }));
      if (decideTrafficShift(service, facts, { datacenter, serving: change.serving }) === 'unchanged') return { ...before, changed: false };

      // One id per shift: the key of each host's command, so a later shift is a new command.
      const shiftId = randomUUID();
      await this.traffic.upsert(tx, { service, datacenter, serving: change.serving, reason: change.reason, changedBy: actor.name, shiftId }, now);
      const hosts = before.hosts;
      const command = this.shiftCommand(service, change.serving);
      const dispatches = await this.commands.appendMany(tx, hosts.map((hostname) => this.logEntry(shiftId, hostname, 1, command, now)), now);
      dispatches.forEach((dispatch, i) => outgoing.push({ hostname: hosts[i]!, dispatch }));

      const action = change.serving ? 'traffic.restored' : 'traffic.drained';
      await this.audit.record(tx, {
        actor,
        action,
        entityType: 'datacenter-traffic',
        entityId: `${service}/${datacenter}`,
        before: { serving: before.serving },
        after: { serving: change.serving, hosts },
        reason: change.reason,
        at: now,
      });
      for (const rollout of await this.traffic.rolloutsReleasing(tx, service)) {
        await this.audit.record(tx, {
          actor,
          action: `rollout.${action}`,
          entityType: 'rollout',
          entityId: rollout.rolloutId,
          planId: rollout.planId,
          before: { serving: before.serving },
          after: { service, datacenter, serving: change.serving },
          reason: change.reason,
          at: now,
        });
      }
      return { ...before, serving: change.serving, reason: change.reason, changedBy: actor.name, changedAt: now.toISOString(), changed: true };
    });
    this.engine.dispatchCommitted(outgoing);
    return result;
  }

  /**
   * A host that registers in a drained datacenter without the drain (new to it, or its
   * agent lost its journal, `lastCommandSeq` telling which) gets it now: otherwise it
   * would serve what the datacenter does not.
   */
  async catchUp(hostname: string, lastCommandSeq: number): Promise<void> {
    // Almost always nothing is missing: one read decides, without a transaction.
    if ((await this.traffic.drainsMissing(this.db, hostname, lastCommandSeq)).length === 0) return;
    const now = this.clock.now();
    const outgoing: OutgoingCommand[] = [];
    await this.db.transaction(async (tx) => {
      // The shift's key with the next attempt: the host's log then shows it has this shift.
      const missing = await this.traffic.drainsMissing(tx, hostname, lastCommandSeq);
      const entries = missing.map(({ service, shiftId, attempt }) => this.logEntry(shiftId, hostname, attempt, this.shiftCommand(service, false), now));
      outgoing.push(...(await this.appendEach(tx, entries, now)));
    });
    this.engine.dispatchCommitted(outgoing);
  }

  /**
   * An operator moved a host from one datacenter to another: for every service drained in
   * either, its datacenter-scope traffic now follows the new one's, at once rather than at
   * its agent's next registration: the new datacenter's drain (that shift's next attempt,
   * so registration catch-up counts it), or a restore where only the old one was drained.
   * A repeat is harmless: the agent keeps a scope's state, and says so.
   */
  async followDatacenter(hostname: string, from: string, to: string): Promise<void> {
    if ((await this.traffic.drainedIn(this.db, [from, to], hostname)).length === 0) return;
    const now = this.clock.now();
    const outgoing: OutgoingCommand[] = [];
    await this.db.transaction(async (tx) => {
      // Under the services' locks, as shifts take them, then as the shifts left them.
      for (const service of [...new Set((await this.traffic.drainedIn(tx, [from, to], hostname)).map((d) => d.service))]) {
        await this.traffic.lockService(tx, service);
      }
      const [host]: { datacenter: string }[] = await tx.query('SELECT datacenter FROM hosts WHERE hostname = $1 FOR UPDATE', [hostname]);
      if (host?.datacenter !== to) return; // moved on since: that move aligns it
      const drained = await this.traffic.drainedIn(tx, [from, to], hostname);
      const entries = [...new Set(drained.map((d) => d.service))].map((service) => {
        const there = drained.find((d) => d.service === service && d.datacenter === to);
        return there
          ? this.logEntry(there.shiftId, hostname, there.attempt, this.shiftCommand(service, false), now)
          : this.logEntry(randomUUID(), hostname, 1, this.shiftCommand(service, true), now);
      });
      outgoing.push(...(await this.appendEach(tx, entries, now)));
    });
    this.engine.dispatchCommitted(outgoing);
  }

  /** The datacenter-scope traffic command of a shift for a service. */
  private shiftCommand(service: string, serving: boolean): Command {
    return serving ? { type: 'traffic:restore', service, scope: 'datacenter' } : { type: 'traffic:drain', service, scope: 'datacenter', waitMs: this.config.drainWaitMs };
  }

  /** A shift's command as a host's log takes it: keyed by the shift, outside any rollout. */
  private logEntry(shiftId: string, hostname: string, attempt: number, command: Command, now: Date): NewHostCommand {
    const key = `${shiftId}/${command.type}/${hostname}/${attempt}`;
    return { hostname, key, rolloutId: null, step: command.type, command, deadlineAt: new Date(now.getTime() + COMMAND_DEADLINE_MS) };
  }

  /** Commands for one host, one statement each: a host's log takes one command per statement. */
  private async appendEach(tx: EntityManager, entries: NewHostCommand[], now: Date): Promise<OutgoingCommand[]> {
    const outgoing: OutgoingCommand[] = [];
    for (const entry of entries) {
      const [dispatch] = await this.commands.appendMany(tx, [entry], now);
      outgoing.push({ hostname: entry.hostname, dispatch: dispatch! });
    }
    return outgoing;
  }
}
