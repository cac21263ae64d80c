// The rollouts table, for everything that reads or writes it: the start (at most one
// rollout per plan: `plan_id` is unique, so inserting a second does nothing, whoever
// attempts it) and the engine (the fixed spec and the decision state, locked for the
// length of one decision so replicas never decide for the same rollout at once).
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RolloutSpec, RolloutState } from '../../../../libs/domain/src/index.js';
import type { EmergencyStart, RolloutRecord } from '../../../../libs/protocol/src/index.js';

export interface StoredRollout {
  id: string;
  planId: string;
  summaryId: string | null;
  status: string;
  startedBy: string | null;
  emergency: EmergencyStart | null;
  /** Null until the engine fixes it at the start, or when left out of the read. */
  spec: RolloutSpec | null;
  state: RolloutState | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** A rollout not ended, as the engine's poller sees it: when time passing can next change it (null: only an event can). */
export interface ActiveRollout {
  id: string;
  status: string;
  dueAt: Date | null;
}

export interface NewRollout {
  planId: string;
  summaryId: string | null;
  startedBy: string | null;
  emergency: EmergencyStart | null;
  now: Date;
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
/** The spec and the state are the large documents (10,000 hosts' worth): left out where not needed. */
const columns = (read: { spec: boolean; state: boolean }) =>
  COLUMNS.replace('spec,', read.spec ? 'spec,' : 'NULL::json AS spec,').replace('state,', read.state ? 'state,' : 'NULL::json AS state,');
const ALL = { spec: true, state: true };

@Injectable()
export class RolloutRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts a pending rollout; undefined when the plan already has one. */
  async insertIfAbsent(tx: EntityManager, rollout: NewRollout): Promise<RolloutRecord | undefined> {
    const rows: Row[] = await tx.query(
      `INSERT INTO rollouts (plan_id, summary_id, status, started_by, emergency, created_at, updated_at)
       VALUES ($1, $2, 'pending', $3, $4, $5, $5)
       ON CONFLICT (plan_id) DO NOTHING RETURNING ${COLUMNS}`,
      [rollout.planId, rollout.summaryId, rollout.startedBy, rollout.emergency && JSON.stringify(rollout.emergency), rollout.now],
    );
    return rows[0] && toRecord(toRollout(rows[0]));
  }

  /** Reads without locking, in `tx` when given (e.g. a snapshot transaction). */
  async find(id: string, tx: EntityManager | DataSource = this.db, read = ALL): Promise<StoredRollout | undefined> {
    const rows: Row[] = await tx.query(`SELECT ${columns(read)} FROM rollouts WHERE id = $1`, [id]);
    return rows[0] && toRollout(rows[0]);
  }

  /**
   * Locks the rollout for this transaction; undefined when another replica holds it (skip)
   * or it does not exist. `withSpec: false` leaves the spec out (null): it never changes
   * once fixed, so a caller that has it need not read and parse it again.
   */
  async lock(tx: EntityManager, id: string, wait = true, withSpec = true): Promise<StoredRollout | undefined> {
    const rows: Row[] = await tx.query(`SELECT ${columns({ spec: withSpec, state: true })} FROM rollouts WHERE id = $1 FOR UPDATE${wait ? '' : ' SKIP LOCKED'}`, [id]);
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

  /** Rollout status by plan id, for the plans that have one. */
  async statusByPlan(tx: EntityManager, planIds: readonly string[]): Promise<Map<string, string>> {
    const rows: { plan_id: string; status: string }[] = await tx.query('SELECT plan_id, status FROM rollouts WHERE plan_id = ANY($1::uuid[])', [planIds]);
    return new Map(rows.map((row) => [row.plan_id, row.status]));
  }

  async list(filter: { planId?: string; status?: string }): Promise<StoredRollout[]> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM rollouts WHERE ($1::uuid IS NULL OR plan_id = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at, id`,
      [filter.planId ?? null, filter.status ?? null],
    );
    return rows.map(toRollout);
  }

  /** The rollouts not ended, oldest first. */
  async active(): Promise<ActiveRollout[]> {
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

function toRollout(row: Row): StoredRollout {
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

/** The record the API shows: the stored rollout without the engine's documents, times as ISO strings. */
function toRecord({ spec: _spec, state: _state, finishedAt: _finishedAt, ...rollout }: StoredRollout): RolloutRecord {
  return { ...rollout, createdAt: rollout.createdAt.toISOString(), updatedAt: rollout.updatedAt.toISOString() };
}
