// Hosts as stored: one row per hostname, with what its agent last reported.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EngineFacts, HostPool, HostRegistration, HostStatus, HostView, ManagedContainer } from '../../../../libs/protocol/src/index.js';
import type { SilenceWindow } from '../../../../libs/domain/src/index.js';

/** One agent's heartbeat as the heartbeat statements take it. */
export interface HeartbeatReport {
  hostname: string;
  connectionId: string;
  engineStatus: string;
  containers: ManagedContainer[] | undefined;
}

interface HostRow {
  hostname: string;
  datacenter: string;
  datacenter_assigned: boolean;
  pool: HostPool;
  labels: Record<string, string>;
  agent_version: string;
  engine: EngineFacts;
  containers: ManagedContainer[];
  status: HostStatus;
  connected: boolean;
  connection_id: string | null;
  last_heartbeat_at: Date;
  registered_at: Date;
  updated_at: Date;
}

export interface HostRecord extends HostView {
  connectionId: string | null;
  /** An operator placed the host: its agent's reported datacenter no longer counts. */
  datacenterAssigned: boolean;
}

export interface HostFilter {
  datacenter?: string;
  status?: HostStatus;
  pool?: HostPool;
}

const COLUMNS = `hostname, datacenter, datacenter_assigned, pool, labels, agent_version, engine, containers, status, connected,
  connection_id, last_heartbeat_at, registered_at, updated_at`;

const QUALIFIED_COLUMNS = COLUMNS.split(',').map((column) => `h.${column.trim()}`).join(', ');

@Injectable()
export class HostRepository {
  constructor(private readonly db: DataSource) {}

  async list(filter: HostFilter, tx: EntityManager | DataSource = this.db): Promise<HostView[]> {
    const rows: HostRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM hosts
        WHERE ($1::text IS NULL OR datacenter = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::text IS NULL OR pool = $3)
        ORDER BY datacenter, hostname`,
      [filter.datacenter ?? null, filter.status ?? null, filter.pool ?? null],
    );
    return rows.map((row) => toView(toRecord(row)));
  }

  async find(hostname: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<HostRecord | undefined> {
    const rows: HostRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM hosts WHERE hostname = $1${lock ? ' FOR UPDATE' : ''}`,
      [hostname],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Many registrations in two statements (with and without a container list: without one
   * the host keeps the list it had). A hostname twice in `items`: the last one wins, and
   * both get its row. Rows come back in the order of `items`.
   */
  async upsertRegistrations(
    tx: EntityManager,
    items: { registration: HostRegistration; agentTokenId: string; connectionId: string }[],
    now: Date,
    heartbeatIntervalMs: number,
  ): Promise<HostRecord[]> {
    const latest = new Map(items.map((item) => [item.registration.hostname, item]));
    const records = new Map<string, HostRecord>();
    for (const withContainers of [true, false]) {
      const group = [...latest.values()].filter((item) => (item.registration.containers !== undefined) === withContainers);
      if (group.length === 0) continue;
      const rows: HostRow[] = await tx.query(
        `INSERT INTO hosts (hostname, datacenter, labels, agent_version, engine, containers, status, connected,
                            connection_id, agent_token_id, last_heartbeat_at, registered_at, updated_at, heartbeat_interval_ms)
         SELECT r.hostname, r.datacenter, r.labels, r.agent_version, r.engine, COALESCE(r.containers, '[]'), 'online', true,
                r.connection_id, r.agent_token_id, $2, $2, $2, $3
           FROM jsonb_to_recordset($1::jsonb) AS r(hostname text, datacenter text, labels jsonb, agent_version text, engine jsonb,
                containers jsonb, connection_id text, agent_token_id uuid)
         ON CONFLICT (hostname) DO UPDATE SET
           datacenter = CASE WHEN hosts.datacenter_assigned THEN hosts.datacenter ELSE EXCLUDED.datacenter END,
           labels = EXCLUDED.labels, agent_version = EXCLUDED.agent_version, engine = EXCLUDED.engine,
           containers = ${withContainers ? 'EXCLUDED.containers' : 'hosts.containers'}, status = 'online', connected = true,
           connection_id = EXCLUDED.connection_id, agent_token_id = EXCLUDED.agent_token_id,
           last_heartbeat_at = EXCLUDED.last_heartbeat_at, registered_at = EXCLUDED.registered_at, updated_at = EXCLUDED.updated_at,
           heartbeat_interval_ms = EXCLUDED.heartbeat_interval_ms
         RETURNING ${COLUMNS}`,
        [
          JSON.stringify(
            group.map(({ registration: r, agentTokenId, connectionId }) => ({
              hostname: r.hostname,
              datacenter: r.datacenter,
              labels: r.labels,
              agent_version: r.agentVersion,
              engine: r.engine,
              containers: r.containers ?? null,
              connection_id: connectionId,
              agent_token_id: agentTokenId,
            })),
          ),
          now,
          heartbeatIntervalMs,
        ],
      );
      for (const row of rows) records.set(row.hostname, toRecord(row));
    }
    return items.map((item) => records.get(item.registration.hostname)!);
  }

  /**
   * Heartbeats, in one statement: each host on its connection gets its heartbeat time;
   * one that reports something new (back online, another engine status, other
   * containers) also gets it written and `updated_at` moved, and comes back as changed.
   * The comparison is made in SET, against the row as locked, so a concurrent change
   * (the sweeper marking it unreachable) is seen. A heartbeat from a replaced connection
   * matches nothing. A hostname twice: the last heartbeat wins. Each host gets the
   * interval its agent is about to be told.
   */
  async applyHeartbeats(tx: EntityManager, items: HeartbeatReport[], now: Date, heartbeatIntervalMs: number): Promise<HostRecord[]> {
    const latest = new Map(items.map((item) => [item.hostname, item]));
    const [rows]: [(HostRow & { changed: boolean })[], number] = await tx.query(
      `UPDATE hosts h SET status = 'online', engine = jsonb_set(h.engine, '{status}', to_jsonb(r.engine_status)),
              containers = COALESCE(r.containers, h.containers), last_heartbeat_at = $2, heartbeat_interval_ms = $3,
              updated_at = CASE WHEN h.status = 'online' AND h.engine->>'status' = r.engine_status
                                 AND (r.containers IS NULL OR h.containers = r.containers)
                            THEN h.updated_at ELSE $2 END
         FROM jsonb_to_recordset($1::jsonb) AS r(hostname text, connection_id text, engine_status text, containers jsonb)
        WHERE h.hostname = r.hostname AND h.connection_id = r.connection_id
        RETURNING ${QUALIFIED_COLUMNS}, h.updated_at = $2 AS changed`,
      [heartbeatRows([...latest.values()]), now, heartbeatIntervalMs],
    );
    return rows.filter((row) => row.changed).map(toRecord).sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /**
   * Heartbeats that report what their host already has (online on that connection, the
   * same engine status, the same containers): only the heartbeat time moves, in one
   * statement outside any transaction, since no event goes with it. The conditions are
   * checked against the row as locked, so a concurrent change (the sweeper) is seen.
   * Answers the hostnames it touched; the others go through applyHeartbeats.
   */
  async touchUnchanged(items: HeartbeatReport[], now: Date, heartbeatIntervalMs: number): Promise<Set<string>> {
    const [rows]: [{ hostname: string }[], number] = await this.db.query(
      `UPDATE hosts h SET last_heartbeat_at = $2, heartbeat_interval_ms = $3
         FROM jsonb_to_recordset($1::jsonb) AS r(hostname text, connection_id text, engine_status text, containers jsonb)
        WHERE h.hostname = r.hostname AND h.connection_id = r.connection_id
          AND h.status = 'online' AND h.engine->>'status' = r.engine_status
          AND (r.containers IS NULL OR h.containers = r.containers)
        RETURNING h.hostname`,
      [heartbeatRows(items), now, heartbeatIntervalMs],
    );
    return new Set(rows.map((row) => row.hostname));
  }

  async save(tx: EntityManager, host: HostRecord): Promise<HostRecord> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [[row]]: [HostRow[], number] = await tx.query(
      `UPDATE hosts SET engine = $2, containers = $3, status = $4, connected = $5, connection_id = $6,
              last_heartbeat_at = $7, updated_at = $8
        WHERE hostname = $1 RETURNING ${COLUMNS}`,
      [
        host.hostname,
        host.engine,
        JSON.stringify(host.containers),
        host.status,
        host.connected,
        host.connectionId,
        new Date(host.lastHeartbeatAt),
        new Date(host.updatedAt),
      ],
    );
    return toRecord(row);
  }

  /** An operator's placement: sets the datacenter (which the agent no longer overrides) and/or the pool. */
  async assign(tx: EntityManager, hostname: string, placement: { datacenter?: string; pool?: HostPool }, now: Date): Promise<HostRecord> {
    const [[row]]: [HostRow[], number] = await tx.query(
      `UPDATE hosts SET datacenter = COALESCE($2, datacenter), datacenter_assigned = datacenter_assigned OR $2 IS NOT NULL,
              pool = COALESCE($3, pool), updated_at = $4
        WHERE hostname = $1 RETURNING ${COLUMNS}`,
      [hostname, placement.datacenter ?? null, placement.pool ?? null, now],
    );
    return toRecord(row);
  }

  /**
   * Marks every online host silent in the window unreachable, returning them: a host told
   * a longer interval than the configured one gets the difference (libs/domain isSilent).
   */
  async markSilentUnreachable(tx: EntityManager, silence: SilenceWindow, now: Date): Promise<HostView[]> {
    const [rows]: [HostRow[], number] = await tx.query(
      `UPDATE hosts SET status = 'unreachable', updated_at = $2
        WHERE status = 'online' AND ($3::timestamptz IS NULL OR last_heartbeat_at >= $3)
          AND last_heartbeat_at < $1::timestamptz - GREATEST(COALESCE(heartbeat_interval_ms, $4) - $4, 0) * interval '1 millisecond'
        RETURNING ${COLUMNS}`,
      [silence.heardBefore, now, silence.heardFrom, silence.intervalMs],
    );
    return rows.map((row) => toView(toRecord(row))).sort((a, b) => a.hostname.localeCompare(b.hostname));
  }

  /** How many hosts have an agent connected: the fleet the heartbeat interval is paced for. */
  async countConnected(): Promise<number> {
    const [{ connected }]: { connected: number }[] = await this.db.query('SELECT count(*)::int AS connected FROM hosts WHERE connected');
    return connected;
  }
}

/** Heartbeats as the JSON document the heartbeat statements read with jsonb_to_recordset. */
function heartbeatRows(items: HeartbeatReport[]): string {
  return JSON.stringify(items.map((item) => ({ hostname: item.hostname, connection_id: item.connectionId, engine_status: item.engineStatus, containers: item.containers ?? null })));
}

function toRecord(row: HostRow): HostRecord {
  return {
    hostname: row.hostname,
    datacenter: row.datacenter,
    pool: row.pool,
    labels: row.labels,
    status: row.status,
    connected: row.connected,
    agentVersion: row.agent_version,
    engine: row.engine,
    containers: row.containers,
    lastHeartbeatAt: row.last_heartbeat_at.toISOString(),
    registeredAt: row.registered_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    connectionId: row.connection_id,
    datacenterAssigned: row.datacenter_assigned,
  };
}

export function toView(record: HostRecord): HostView {
  const { connectionId: _, datacenterAssigned: __, ...view } = record;
  return view;
}
