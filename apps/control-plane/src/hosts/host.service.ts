// What happens to a host when its agent registers, heartbeats or goes away, when it
// falls silent, and when an operator places it. Each change and its dashboard event
// commit together. Registrations and changing heartbeats, the hot paths (a connect
// storm, a fleet reporting), are group-committed: many per transaction, set-based.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Invalid, nextHostStatus, NotFound, silenceWindow } from '../../../../libs/domain/src/index.js';
import {
  DashboardEvent,
  type HostAssignment,
  type HostChangeEventName,
  type HostHeartbeat,
  type HostRegistration,
  type HostView,
  type ManagedContainer,
} from '../../../../libs/protocol/src/index.js';
import type { Actor } from '../audit/audit-log.repository.js';
import { AuditLogRepository } from '../audit/audit-log.repository.js';
import { Clock } from '../common/clock.js';
import { WriteBatcher } from '../common/write-batcher.js';
import { DashboardPublisher } from '../dashboard/dashboard-publisher.js';
import { EventOutboxRepository } from '../dashboard/event-outbox.repository.js';
import { DatacenterRepository } from '../datacenters/datacenter.repository.js';
import { HeartbeatPacer } from './heartbeat-pacer.js';
import { HostChanges } from './host-changes.js';
import { HostRepository, toView, type HeartbeatReport, type HostFilter, type HostRecord } from './host.repository.js';

export interface AgentConnection {
  agentTokenId: string;
  connectionId: string;
  hostname: string;
}

interface RegistrationItem {
  registration: HostRegistration;
  agentTokenId: string;
  connectionId: string;
}

/** A registered host, and the heartbeat interval its agent is to keep (written with it). */
export interface Registered {
  host: HostView;
  heartbeatIntervalMs: number;
}

interface HeartbeatItem extends HeartbeatReport {
  /** The same report as this connection's previous heartbeat: most likely nothing to change. */
  repeat: boolean;
}

@Injectable()
export class HostService {
  private readonly registrations = new WriteBatcher<RegistrationItem, Registered>((items) => this.writeRegistrations(items));
  /** Each heartbeat is answered with the interval written for its host. */
  private readonly heartbeats = new WriteBatcher<HeartbeatItem, number>((items) => this.writeHeartbeats(items));
  /**
   * A digest of each live connection's last heartbeat, kept only as a hint: a heartbeat
   * that repeats its predecessor first tries the one-statement path, which checks against
   * the database whether it really changes nothing (another replica, the sweeper).
   */
  private readonly lastReport = new Map<string, string>();

  constructor(
    private readonly db: DataSource,
    private readonly hosts: HostRepository,
    private readonly pacer: HeartbeatPacer,
    private readonly changes: HostChanges,
    private readonly outbox: EventOutboxRepository,
    private readonly publisher: DashboardPublisher,
    private readonly datacenters: DatacenterRepository,
    private readonly audit: AuditLogRepository,
    private readonly clock: Clock,
  ) {}

  list(filter: HostFilter): Promise<HostView[]> {
    return this.hosts.list(filter);
  }

  async get(hostname: string): Promise<HostView> {
    const host = await this.hosts.find(hostname);
    if (!host) throw new NotFound('host', hostname);
    return toView(host);
  }

  async register(connection: AgentConnection, registration: HostRegistration): Promise<Registered> {
    const normalised = { ...registration, containers: registration.containers && sortContainers(registration.containers) };
    return this.registrations.submit({ registration: normalised, agentTokenId: connection.agentTokenId, connectionId: connection.connectionId });
  }

  /** Answers the heartbeat interval the agent is to keep from now on. */
  async heartbeat(connection: AgentConnection, heartbeat: HostHeartbeat): Promise<number> {
    const containers = heartbeat.containers && sortContainers(heartbeat.containers);
    const report = createHash('sha1').update(`${heartbeat.engine.status}\n${containers ? JSON.stringify(containers) : '-'}`).digest('base64');
    const repeat = this.lastReport.get(connection.connectionId) === report;
    this.lastReport.set(connection.connectionId, report);
    // A heartbeat from a connection that has been replaced (or a host never registered) changes nothing.
    return this.heartbeats.submit({ hostname: connection.hostname, connectionId: connection.connectionId, engineStatus: heartbeat.engine.status, containers, repeat });
  }

  private async writeRegistrations(items: RegistrationItem[]): Promise<Registered[]> {
    const now = this.clock.now();
    const heartbeatIntervalMs = this.pacer.intervalMs;
    const { views, events } = await this.db.transaction(async (tx) => {
      const records = await this.hosts.upsertRegistrations(tx, items, now, heartbeatIntervalMs);
      const views = records.map(toView);
      const unique = [...new Map(views.map((view) => [view.hostname, view])).values()];
      return { views, events: await this.outbox.appendMany(tx, DashboardEvent.HostConnected, unique.map((host) => ({ host }))) };
    });
    this.publisher.committed(events);
    return views.map((host) => ({ host, heartbeatIntervalMs }));
  }

  /**
   * A batch of heartbeats, the last of each host winning. Those that repeat their
   * connection's previous report go first through the one-statement path (most of a
   * steady fleet's heartbeats: one round trip instead of three); the rest, and any
   * repeat the database says does change something, are written with their events in
   * one transaction.
   */
  private async writeHeartbeats(items: HeartbeatItem[]): Promise<number[]> {
    const now = this.clock.now();
    const heartbeatIntervalMs = this.pacer.intervalMs;
    const latest = [...new Map(items.map((item) => [item.hostname, item])).values()];
    const repeats = latest.filter((item) => item.repeat);
    const touched = repeats.length > 0 ? await this.hosts.touchUnchanged(repeats, now, heartbeatIntervalMs) : new Set<string>();
    const changing = latest.filter((item) => !touched.has(item.hostname));
    if (changing.length > 0) {
      const events = await this.db.transaction(async (tx) => {
        const records = await this.hosts.applyHeartbeats(tx, changing, now, heartbeatIntervalMs);
        return this.outbox.appendMany(tx, DashboardEvent.HostUpdated, records.map((record) => ({ host: toView(record) })));
      });
      this.publisher.committed(events);
    }
    return items.map(() => heartbeatIntervalMs);
  }

  /** The agent's socket closed; `saidGoodbye` when the agent closed it on purpose. */
  async disconnected(connection: AgentConnection, saidGoodbye: boolean): Promise<void> {
    this.lastReport.delete(connection.connectionId);
    const now = this.clock.now();
    const host = await this.change(async (tx) => {
      const host = await this.hosts.find(connection.hostname, tx, true);
      if (!host || host.connectionId !== connection.connectionId) return undefined;
      const next: HostRecord = {
        ...host,
        status: nextHostStatus(host.status, saidGoodbye ? 'said-goodbye' : 'connection-lost'),
        connected: false,
        connectionId: null,
        updatedAt: now.toISOString(),
      };
      return [await this.hosts.save(tx, next), DashboardEvent.HostDisconnected];
    });
    if (host && host.status !== 'online') void this.changes.notify({ kind: 'left-online' });
  }

  /**
   * An operator places a host in a datacenter (which then wins over what its agent
   * reports) and/or a pool. A placement that changes nothing writes nothing.
   */
  async assign(actor: Actor, hostname: string, assignment: HostAssignment): Promise<HostView> {
    const now = this.clock.now();
    let unchanged: HostView | undefined;
    let moved: { from: string; to: string } | undefined;
    const view = await this.change(async (tx) => {
      const host = await this.hosts.find(hostname, tx, true);
      if (!host) throw new NotFound('host', hostname);
      const { datacenter, pool } = assignment;
      if (datacenter !== undefined && !(await this.datacenters.find(datacenter, tx))) {
        throw new Invalid('DATACENTER_UNKNOWN', `datacenter: ${JSON.stringify(datacenter)} is not a datacenter (create it with POST /api/v1/datacenters)`);
      }
      const moves = datacenter !== undefined && (datacenter !== host.datacenter || !host.datacenterAssigned);
      if (!moves && (pool === undefined || pool === host.pool)) {
        unchanged = toView(host);
        return undefined;
      }
      const placed = await this.hosts.assign(tx, hostname, assignment, now);
      if (placed.datacenter !== host.datacenter) moved = { from: host.datacenter, to: placed.datacenter };
      await this.audit.record(tx, {
        actor,
        action: 'host.updated',
        entityType: 'host',
        entityId: hostname,
        before: placement(host),
        after: placement(placed),
        at: now,
      });
      return [placed, DashboardEvent.HostUpdated];
    });
    // Its traffic follows its new datacenter's before the operator gets the answer.
    if (moved) await this.changes.notify({ kind: 'moved', hostname, ...moved });
    return (view ?? unchanged)!;
  }

  /**
   * Moves hosts silent for the grace period (and the stretch of their interval, for a
   * large fleet) to `unreachable`. Returns how many moved.
   * `bootedAt`: when this process started; hosts heard only before it get the agents'
   * reconnect back-off on top of the grace period (libs/domain silenceWindow).
   */
  async sweepSilentHosts(bootedAt?: Date): Promise<number> {
    const now = this.clock.now();
    const events = await this.db.transaction(async (tx) => {
      const hosts = await this.hosts.markSilentUnreachable(tx, silenceWindow(now, this.pacer.policy, bootedAt), now);
      return this.outbox.appendMany(tx, DashboardEvent.HostUpdated, hosts.map((host) => ({ host })));
    });
    this.publisher.committed(events);
    if (events.length > 0) void this.changes.notify({ kind: 'left-online' });
    return events.length;
  }

  private async change(
    work: (tx: EntityManager) => Promise<[HostRecord, HostChangeEventName] | undefined>,
  ): Promise<HostView | undefined> {
    const changed = await this.db.transaction(async (tx) => {
      const result = await work(tx);
      if (!result) return undefined;
      const host = toView(result[0]);
      return { host, event: await this.outbox.append(tx, result[1], { host }) };
    });
    if (changed) this.publisher.committed([changed.event]);
    return changed?.host;
  }
}

function placement(host: HostRecord) {
  return { datacenter: host.datacenter, datacenterAssigned: host.datacenterAssigned, pool: host.pool };
}

function sortContainers(containers: ManagedContainer[]): ManagedContainer[] {
  return [...containers].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
