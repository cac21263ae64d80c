// Service switches as stored, and the two lookups a flip needs: the hosts that run the
// service, and the rollouts in progress that release it.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SwitchView } from '../../../../libs/protocol/src/index.js';

interface SwitchRow {
  service: string;
  name: string;
  enabled: boolean;
  updated_by: string;
  updated_at: Date;
}

const toView = (row: SwitchRow): SwitchView => ({
  service: row.service,
  name: row.name,
  enabled: row.enabled,
  updatedBy: row.updated_by,
  updatedAt: row.updated_at.toISOString(),
});

@Injectable()
export class SwitchRepository {
  constructor(private readonly db: DataSource) {}

  async list(service: string): Promise<SwitchView[]> {
    const rows: SwitchRow[] = await this.db.query('SELECT * FROM switches WHERE service = $1 ORDER BY name', [service]);
    return rows.map(toView);
  }

  /** The switch before the change, locked for the rest of the transaction; undefined if new. */
  async lock(tx: EntityManager, service: string, name: string): Promise<SwitchView | undefined> {
    const rows: SwitchRow[] = await tx.query('SELECT * FROM switches WHERE service = $1 AND name = $2 FOR UPDATE', [service, name]);
    return rows[0] && toView(rows[0]);
  }

  async upsert(tx: EntityManager, change: { service: string; name: string; enabled: boolean; updatedBy: string }, at: Date): Promise<SwitchView> {
    const rows: SwitchRow[] = await tx.query(
      `INSERT INTO switches (service, name, enabled, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (service, name) DO UPDATE SET enabled = EXCLUDED.enabled, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [change.service, change.name, change.enabled, change.updatedBy, at],
    );
    return toView(rows[0]!);
  }

  /**
   * Hosts with a container of the service, running or stopped (a stopped one may be
   * started again by a rollback and must see the current value). Containers are named
   * `<host>-<service>-<release>`; a service whose name extends another's with a dash
   * (`web`, `web-api`) can match too, which only writes an unused file on that host.
   */
  async hostsRunning(tx: EntityManager, service: string): Promise<string[]> {
    const rows: { hostname: string }[] = await tx.query(
      `SELECT hostname FROM hosts
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(containers) AS c WHERE starts_with(c->>'name', hostname || '-' || $1 || '-'))
        ORDER BY hostname`,
      [service],
    );
    return rows.map((row) => row.hostname);
  }

  /** Rollouts running or paused whose plan releases the service. */
  async rolloutsReleasing(tx: EntityManager, service: string): Promise<{ rolloutId: string; planId: string }[]> {
    const rows: { id: string; plan_id: string }[] = await tx.query(
      `SELECT r.id, r.plan_id FROM rollouts r JOIN plans p ON p.id = r.plan_id
        WHERE r.status IN ('running', 'paused') AND p.spec->'releases' @> jsonb_build_array(jsonb_build_object('service', $1::text))`,
      [service],
    );
    return rows.map((row) => ({ rolloutId: row.id, planId: row.plan_id }));
  }
}
