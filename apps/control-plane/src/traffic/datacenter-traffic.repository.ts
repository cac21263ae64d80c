// Datacenter traffic as stored, with the datacenters a service's traffic can be on: every
// datacenter that has hosts, in rollout order (uncatalogued ones last, by name).
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DatacenterTrafficView } from '../../../../libs/protocol/src/index.js';

interface TrafficRow {
  datacenter: string;
  hosts: string[];
  serving: boolean | null;
  reason: string | null;
  changed_by: string | null;
  changed_at: Date | null;
}

const toView = (service: string, row: TrafficRow): DatacenterTrafficView => ({
  service,
  datacenter: row.datacenter,
  serving: row.serving ?? true,
  reason: row.reason,
  changedBy: row.changed_by,
  changedAt: row.changed_at?.toISOString() ?? null,
  hosts: row.hosts,
});

@Injectable()
export class DatacenterTrafficRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks the service's row for the rest of the transaction (false: no such service).
   * Every traffic change of a service takes this lock first, so two operators draining
   * its last two serving datacenters at once are decided one after the other.
   */
  async lockService(tx: EntityManager, service: string): Promise<boolean> {
    const rows: unknown[] = await tx.query('SELECT name FROM services WHERE name = $1 FOR NO KEY UPDATE', [service]);
    return rows.length > 0;
  }

  async serviceExists(service: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM services WHERE name = $1', [service]);
    return rows.length > 0;
  }

  async datacenterCatalogued(tx: EntityManager | DataSource, datacenter: string): Promise<boolean> {
    const rows: unknown[] = await tx.query('SELECT 1 FROM datacenters WHERE name = $1', [datacenter]);
    return rows.length > 0;
  }

  /** Each datacenter that has hosts, with the service's traffic there. */
  async list(service: string, tx: EntityManager | DataSource = this.db): Promise<DatacenterTrafficView[]> {
    const rows: TrafficRow[] = await tx.query(
      `WITH fleet AS (SELECT datacenter, array_agg(hostname ORDER BY hostname) AS hosts FROM hosts GROUP BY datacenter)
       SELECT f.datacenter, f.hosts, t.serving, t.reason, t.changed_by, t.changed_at
         FROM fleet f
         LEFT JOIN datacenter_traffic t ON t.service = $1 AND t.datacenter = f.datacenter
         LEFT JOIN datacenters d ON d.name = f.datacenter
        ORDER BY d.rollout_order NULLS LAST, f.datacenter`,
      [service],
    );
    return rows.map((row) => toView(service, row));
  }

  /** `shiftId`: the operator's shift whose commands carry it; null for a rollback's shift (it restores what it drains). */
  async upsert(
    tx: EntityManager,
    change: { service: string; datacenter: string; serving: boolean; reason: string; changedBy: string; shiftId: string | null },
    at: Date,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO datacenter_traffic (service, datacenter, serving, reason, changed_by, changed_at, shift_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (service, datacenter) DO UPDATE
         SET serving = EXCLUDED.serving, reason = EXCLUDED.reason, changed_by = EXCLUDED.changed_by, changed_at = EXCLUDED.changed_at,
             shift_id = EXCLUDED.shift_id`,
      [change.service, change.datacenter, change.serving, change.reason, change.changedBy, at, change.shiftId],
    );
  }

  /**
   * The operators' drains of the host's datacenter that its agent does not have: the
   * host has no command of that shift it still waits for (those are resent anyway) and
   * none its agent says it finished (at or below `lastCommandSeq`). A host new to the
   * datacenter, or whose agent lost its journal, is one.
   */
  async drainsMissing(tx: EntityManager | DataSource, hostname: string, lastCommandSeq: number): Promise<{ service: string; shiftId: string; attempt: number }[]> {
    const rows: { service: string; shift_id: string; attempt: number }[] = await tx.query(
      `SELECT t.service, t.shift_id,
              (SELECT count(*)::int + 1 FROM host_commands c WHERE c.hostname = $1 AND c.key LIKE t.shift_id::text || '/%') AS attempt
         FROM datacenter_traffic t JOIN hosts h ON h.datacenter = t.datacenter
        WHERE h.hostname = $1 AND NOT t.serving AND t.shift_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM host_commands c
                           WHERE c.hostname = $1 AND c.key LIKE t.shift_id::text || '/%'
                             AND (c.status IN ('pending', 'sent') OR c.seq <= $2))
        ORDER BY t.service`,
      [hostname, lastCommandSeq],
    );
    return rows.map((row) => ({ service: row.service, shiftId: row.shift_id, attempt: row.attempt }));
  }

  /**
   * The services drained (by an operator's shift) in any of `datacenters`, with the shift
   * and the attempt a command of that shift to `hostname` would be.
   */
  async drainedIn(tx: EntityManager | DataSource, datacenters: string[], hostname: string): Promise<{ service: string; datacenter: string; shiftId: string; attempt: number }[]> {
    const rows: { service: string; datacenter: string; shift_id: string; attempt: number }[] = await tx.query(
      `SELECT t.service, t.datacenter, t.shift_id,
              (SELECT count(*)::int + 1 FROM host_commands c WHERE c.hostname = $2 AND c.key LIKE t.shift_id::text || '/%') AS attempt
         FROM datacenter_traffic t
        WHERE t.datacenter = ANY($1::text[]) AND NOT t.serving AND t.shift_id IS NOT NULL
        ORDER BY t.service, t.datacenter`,
      [datacenters, hostname],
    );
    return rows.map((row) => ({ service: row.service, datacenter: row.datacenter, shiftId: row.shift_id, attempt: row.attempt }));
  }

  /** Rollouts running or paused whose plan releases the service: a shift is noted on each. */
  async rolloutsReleasing(tx: EntityManager, service: string): Promise<{ rolloutId: string; planId: string }[]> {
    const rows: { id: string; plan_id: string }[] = await tx.query(
      `SELECT r.id, r.plan_id FROM rollouts r JOIN plans p ON p.id = r.plan_id
        WHERE r.status IN ('running', 'paused', 'rolling_back') AND p.spec->'releases' @> jsonb_build_array(jsonb_build_object('service', $1::text))`,
      [service],
    );
    return rows.map((row) => ({ rolloutId: row.id, planId: row.plan_id }));
  }
}
