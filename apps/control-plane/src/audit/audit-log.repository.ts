// The append-only audit log: every state change, who made it, when, before and after,
// and why. Written inside the transaction that makes the change; a database trigger
// refuses UPDATE, DELETE and TRUNCATE on the table.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** Who acted: a user, or the control plane itself (scheduler, sweeper) with `id: null`. */
export interface Actor {
  id: string | null;
  name: string;
}

export const SYSTEM_ACTOR: Actor = { id: null, name: 'tarmac' };

export interface AuditEntry {
  actor: Actor;
  /** What happened, `noun.verbed`: `plan.created`, `gate.signed`, `summary.published`. */
  action: string;
  entityType: string;
  entityId: string;
  planId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  at: Date;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  planId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface AuditFilter {
  planId?: string;
  actor?: string;
  since?: Date;
  limit: number;
}

interface AuditRow {
  id: string;
  at: Date;
  actor_name: string;
  action: string;
  entity_type: string;
  entity_id: string;
  plan_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly db: DataSource) {}

  async record(tx: EntityManager, entry: AuditEntry): Promise<void> {
    await tx.query(
      `INSERT INTO audit_log (at, actor_id, actor_name, action, entity_type, entity_id, plan_id, before, after, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        entry.at,
        entry.actor.id,
        entry.actor.name,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.planId ?? null,
        entry.before === undefined ? null : JSON.stringify(entry.before),
        entry.after === undefined ? null : JSON.stringify(entry.after),
        entry.reason ?? null,
      ],
    );
  }

  async list(filter: AuditFilter): Promise<AuditRecord[]> {
    const rows: AuditRow[] = await this.db.query(
      `SELECT id, at, actor_name, action, entity_type, entity_id, plan_id, before, after, reason FROM audit_log
        WHERE ($1::uuid IS NULL OR plan_id = $1) AND ($2::text IS NULL OR actor_name = $2)
          AND ($3::timestamptz IS NULL OR at >= $3)
        ORDER BY id LIMIT $4`,
      [filter.planId ?? null, filter.actor ?? null, filter.since ?? null, filter.limit],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at.toISOString(),
      actor: row.actor_name,
      action: row.action,
      entityType: row.entity_type,
      entityId: row.entity_id,
      planId: row.plan_id,
      before: row.before,
      after: row.after,
      reason: row.reason,
    }));
  }
}
