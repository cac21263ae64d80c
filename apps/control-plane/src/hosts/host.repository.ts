// Hosts as stored: one row per hostname, with what its agent last reported.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EngineFacts, HostPool, HostRegistration, HostStatus, HostView, ManagedContainer } from '../../../../libs/protocol/src/index.js';

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

  async upsertRegistration(
    tx: EntityManager,
    registration: HostRegistration,
    context: { agentTokenId: string; connectionId: string; now: Date },
  ): Promise<HostRecord> {
    const [row]: HostRow[] = await tx.query(
      `INSERT INTO hosts (hostname, datacenter, labels, agent_version, engine, containers, status, connected,
                          connection_id, agent_token_id, last_heartbeat_at, registered_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, COALESCE($6::jsonb, '[]'), 'online', true, $7, $8, $9, $9, $9)
       ON CONFLICT (hostname) DO UPDATE SET
         datacenter = CASE WHEN hosts.datacenter_assigned THEN hosts.datacenter ELSE EXCLUDED.datacenter END,
         labels = EXCLUDED.labels, agent_version = EXCLUDED.agent_version,
         engine = EXCLUDED.engine, containers = COALESCE($6::jsonb, hosts.containers), status = 'online', connected = true,
         connection_id = EXCLUDED.connection_id, agent_token_id = EXCLUDED.agent_token_id,
         last_heartbeat_at = EXCLUDED.last_heartbeat_at, registered_at = EXCLUDED.registered_at,
         updated_at = EXCLUDED.updated_at
       RETURNING ${COLUMNS}`,
      [
        registration.hostname,
        registration.datacenter,
        registration.labels,
        registration.agentVersion,
        registration.engine,
        registration.containers === undefined ? null : JSON.stringify(registration.containers),
        context.connectionId,
        context.agentTokenId,
        context.now,
      ],
    );
    return toRecord(row);
  }

  /**
   * The heartbeat fast path: only the timestamp moves when the host is online on this
   * connection and nothing it reports has changed. Returns false when the slow path is needed.
   */
  async touchIfUnchanged(
    hostname: string,
    connectionId: string,
    engineStatus: string,
    containers: ManagedContainer[] | undefined,
    now: Date,
  ): Promise<boolean> {
    const result = await this.db.query(
      `UPDATE hosts SET last_heartbeat_at = $1
        WHERE hostname = $2 AND connection_id = $3 AND status = 'online' AND engine->>'status' = $4
          AND ($5::jsonb IS NULL OR containers = $5::jsonb)`,
      [now, hostname, connectionId, engineStatus, containers === undefined ? null : JSON.stringify(containers)],
    );
    return result[1] === 1;
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

  /** Marks every online host silent since the cutoff unreachable, returning them. */
  async markSilentUnreachable(tx: EntityManager, cutoff: Date, now: Date): Promise<HostView[]> {
    const [rows]: [HostRow[], number] = await tx.query(
      `UPDATE hosts SET status = 'unreachable', updated_at = $2
        WHERE status = 'online' AND last_heartbeat_at < $1
        RETURNING ${COLUMNS}`,
      [cutoff, now],
    );
    return rows.map((row) => toView(toRecord(row))).sort((a, b) => a.hostname.localeCompare(b.hostname));
  }
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
