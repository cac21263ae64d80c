// Rollout records. `plan_id` is unique: inserting a second rollout for a plan does
// nothing, which is what makes a start happen at most once whoever attempts it.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EmergencyStart, RolloutRecord } from '../../../../libs/protocol/src/index.js';

interface RolloutRow {
  id: string;
  plan_id: string;
  summary_id: string | null;
  status: string;
  started_by: string | null;
  emergency: EmergencyStart | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, plan_id, summary_id, status, started_by, emergency, created_at, updated_at';

export interface NewRollout {
  planId: string;
  summaryId: string | null;
  startedBy: string | null;
  emergency: EmergencyStart | null;
  now: Date;
}

@Injectable()
export class RolloutRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts a pending rollout; undefined when the plan already has one. */
  async insertIfAbsent(tx: EntityManager, rollout: NewRollout): Promise<RolloutRecord | undefined> {
    const rows: RolloutRow[] = await tx.query(
      `INSERT INTO rollouts (plan_id, summary_id, status, started_by, emergency, created_at, updated_at)
       VALUES ($1, $2, 'pending', $3, $4, $5, $5)
       ON CONFLICT (plan_id) DO NOTHING RETURNING ${COLUMNS}`,
      [rollout.planId, rollout.summaryId, rollout.startedBy, rollout.emergency && JSON.stringify(rollout.emergency), rollout.now],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async find(id: string, tx: EntityManager | DataSource = this.db): Promise<RolloutRecord | undefined> {
    const rows: RolloutRow[] = await tx.query(`SELECT ${COLUMNS} FROM rollouts WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** Rollout status by plan id, for the plans that have one. */
  async statusByPlan(tx: EntityManager, planIds: readonly string[]): Promise<Map<string, string>> {
    const rows: { plan_id: string; status: string }[] = await tx.query(
      'SELECT plan_id, status FROM rollouts WHERE plan_id = ANY($1::uuid[])',
      [planIds],
    );
    return new Map(rows.map((row) => [row.plan_id, row.status]));
  }
}

function toRecord(row: RolloutRow): RolloutRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    summaryId: row.summary_id,
    status: row.status,
    startedBy: row.started_by,
    emergency: row.emergency,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
