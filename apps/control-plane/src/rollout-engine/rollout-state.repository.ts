// Rollouts as the engine sees them: the fixed spec and the decision state, locked for
// the length of one decision so replicas never decide for the same rollout at once.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RolloutSpec, RolloutState } from '../../../../libs/domain/src/index.js';
import type { EmergencyStart } from '../../../../libs/protocol/src/index.js';

export interface EngineRollout {
  id: string;
  planId: string;
  summaryId: string | null;
  status: string;
  startedBy: string | null;
  emergency: EmergencyStart | null;
  spec: RolloutSpec | null;
  state: RolloutState | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

interface Row {
  id: string;
  plan_id: string;
  summary_id: string | null;
  status: string;
  started_by: string | null;
  emergency: EmergencyStart | null;
  spec: RolloutSpec | null;
  state: RolloutState | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = 'id, plan_id, summary_id, status, started_by, emergency, spec, state, created_at, updated_at, finished_at';

@Injectable()
export class RolloutStateRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Locks the rollout for this transaction; undefined when another replica holds it (skip)
   * or it does not exist. `withSpec: false` leaves the spec out (null): it never changes
   * once fixed, so a caller that has it need not read and parse it again.
   */
  async lock(tx: EntityManager, id: string, wait = true, withSpec = true): Promise<EngineRollout | undefined> {
    const columns = withSpec ? COLUMNS : COLUMNS.replace('spec,', 'NULL::jsonb AS spec,');
    const rows: Row[] = await tx.query(`SELECT ${columns} FROM rollouts WHERE id = $1 FOR UPDATE${wait ? '' : ' SKIP LOCKED'}`, [id]);
    return rows[0] && toRollout(rows[0]);
  }

  /** Locks several rollouts, in id order (the order every transaction takes them in), reading nothing. */
  async lockAll(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query('SELECT id FROM rollouts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
  }

  async statusOf(id: string): Promise<string | undefined> {
    const rows: { status: string }[] = await this.db.query('SELECT status FROM rollouts WHERE id = $1', [id]);
    return rows[0]?.status;
  }

  /** Reads without locking, in `tx` when given (e.g. a snapshot transaction). */
  async find(id: string, tx: EntityManager | DataSource = this.db): Promise<EngineRollout | undefined> {
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM rollouts WHERE id = $1`, [id]);
    return rows[0] && toRollout(rows[0]);
  }

  async list(filter: { planId?: string; status?: string }): Promise<EngineRollout[]> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM rollouts WHERE ($1::uuid IS NULL OR plan_id = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at, id`,
      [filter.planId ?? null, filter.status ?? null],
    );
    return rows.map(toRollout);
  }

  /** The rollouts not ended, oldest first, with when time passing can next change each (null: only an event can). */
  async active(): Promise<{ id: string; status: string; dueAt: Date | null }[]> {
    const rows: { id: string; status: string; due_at: Date | null }[] = await this.db.query(
      `SELECT id, status, due_at FROM rollouts WHERE status IN ('pending', 'running', 'paused', 'rolling_back') ORDER BY created_at`,
    );
    return rows.map((row) => ({ id: row.id, status: row.status, dueAt: row.due_at }));
  }

  /**
   * `spec`: only when it has just been fixed (it never changes after, and with every
   * host's previous release it is the larger document). `finished`: it has just ended
   * (now); `reopened`: an ended rollout moves again (a rollback). `dueAt`: when time
   * passing can next change it.
   */
  async save(
    tx: EntityManager,
    id: string,
    update: { spec?: RolloutSpec; state: RolloutState; dueAt: Date | null; finished: boolean; reopened: boolean },
    now: Date,
  ): Promise<void> {
    await tx.query(
      `UPDATE rollouts SET spec = COALESCE($2, spec), state = $3, status = $4, reason = $5, updated_at = $6,
              finished_at = CASE WHEN $7 THEN $6 WHEN $8 THEN NULL ELSE finished_at END, due_at = $9
        WHERE id = $1`,
      [id, update.spec ?? null, update.state, update.state.status, update.state.reason ? JSON.stringify(update.state.reason) : null, now, update.finished, update.reopened, update.dueAt],
    );
  }
}

function toRollout(row: Row): EngineRollout {
  return {
    id: row.id,
    planId: row.plan_id,
    summaryId: row.summary_id,
    status: row.status,
    startedBy: row.started_by,
    emergency: row.emergency,
    spec: row.spec,
    state: row.state,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
