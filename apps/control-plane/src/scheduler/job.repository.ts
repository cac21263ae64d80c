// The scheduler's durable work. Enqueueing is idempotent on `key`; claiming locks due
// jobs with FOR UPDATE SKIP LOCKED, so replicas polling at once never claim one job twice.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export type JobStatus = 'pending' | 'done' | 'failed' | 'cancelled';

export interface NewJob {
  kind: string;
  /** Unique: enqueueing a key that exists does nothing. */
  key: string;
  runAt: Date;
  payload: unknown;
}

export interface Job {
  id: string;
  kind: string;
  key: string;
  payload: unknown;
  runAt: Date;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  finishedAt: Date | null;
}

interface JobRow {
  id: string;
  kind: string;
  key: string;
  payload: unknown;
  run_at: Date;
  status: JobStatus;
  attempts: number;
  last_error: string | null;
  finished_at: Date | null;
}

const COLUMNS = 'id, kind, key, payload, run_at, status, attempts, last_error, finished_at';

@Injectable()
export class JobRepository {
  constructor(private readonly db: DataSource) {}

  /** Returns false when a job with this key already exists (whatever its state). */
  async enqueue(tx: EntityManager, job: NewJob): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO jobs (kind, key, payload, run_at, created_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (key) DO NOTHING RETURNING id`,
      [job.kind, job.key, JSON.stringify(job.payload), job.runAt],
    );
    return rows.length === 1;
  }

  /** Locks up to `limit` pending jobs due at `now`, oldest first, skipping those another transaction holds. */
  async claimDue(tx: EntityManager, now: Date, limit: number): Promise<Job[]> {
    const rows: JobRow[] = await tx.query(
      `SELECT ${COLUMNS} FROM jobs WHERE status = 'pending' AND run_at <= $1
        ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
    return rows.map(toJob);
  }

  async markDone(tx: EntityManager, id: string, now: Date): Promise<void> {
    await tx.query(`UPDATE jobs SET status = 'done', finished_at = $2 WHERE id = $1`, [id, now]);
  }

  /** Keeps the job pending, to run again at `runAt` (not a failure). */
  async reschedule(tx: EntityManager, id: string, runAt: Date): Promise<void> {
    await tx.query(`UPDATE jobs SET run_at = $2 WHERE id = $1`, [id, runAt]);
  }

  /** Counts a failed attempt: retried at `retryAt`, or given up (`failed`) when it is null. */
  async recordFailure(tx: EntityManager, id: string, error: string, retryAt: Date | null, now: Date): Promise<void> {
    await tx.query(
      `UPDATE jobs SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
              run_at = COALESCE($3::timestamptz, run_at),
              finished_at = CASE WHEN $3::timestamptz IS NULL THEN $4::timestamptz END
        WHERE id = $1`,
      [id, error.slice(0, 4000), retryAt, now],
    );
  }

  async findByKey(key: string, tx: EntityManager | DataSource = this.db): Promise<Job | undefined> {
    const rows: JobRow[] = await tx.query(`SELECT ${COLUMNS} FROM jobs WHERE key = $1`, [key]);
    return rows[0] && toJob(rows[0]);
  }
}

function toJob(row: JobRow): Job {
  return {
    id: String(row.id),
    kind: row.kind,
    key: row.key,
    payload: row.payload,
    runAt: row.run_at,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    finishedAt: row.finished_at,
  };
}
