// What scheduling and starting need from launch plans: status, the services their
// releases touch, the open summary that holds them, and the scheduled/started moves.
// Plan content (spec, gates) is the plans module's; this reads only what it needs.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface LaunchPlan {
  id: string;
  title: string;
  status: string;
  /** Distinct services of the plan's releases. */
  services: string[];
}

interface LaunchPlanRow {
  id: string;
  title: string;
  status: string;
  releases: { service?: unknown }[] | null;
}

const SELECT = `SELECT id, title, status, spec->'releases' AS releases FROM plans`;

@Injectable()
export class PlanLaunchRepository {
  constructor(private readonly db: DataSource) {}

  async find(id: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<LaunchPlan | undefined> {
    const rows: LaunchPlanRow[] = await tx.query(`${SELECT} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toPlan(rows[0]);
  }

  /** Locks the plans in id order, so concurrent lockers cannot deadlock. Unknown ids are absent. */
  async lockMany(tx: EntityManager, ids: readonly string[]): Promise<Map<string, LaunchPlan>> {
    const rows: LaunchPlanRow[] = await tx.query(`${SELECT} WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
    return new Map(rows.map((row) => [row.id, toPlan(row)]));
  }

  async setStatus(tx: EntityManager, id: string, status: 'scheduled' | 'started', now: Date): Promise<void> {
    await tx.query('UPDATE plans SET status = $2, updated_at = $3 WHERE id = $1', [id, status, now]);
  }

  /** The open (draft or published) summaries holding these plans, by plan id. */
  async openSummaries(tx: EntityManager | DataSource, planIds: readonly string[], exceptSummaryId?: string): Promise<Map<string, string>> {
    const rows: { plan_id: string; summary_id: string }[] = await tx.query(
      `SELECT sp.plan_id, sp.summary_id FROM summary_plans sp JOIN summaries s ON s.id = sp.summary_id
        WHERE sp.plan_id = ANY($1::uuid[]) AND s.status IN ('draft', 'published')
          AND ($2::uuid IS NULL OR s.id <> $2)`,
      [planIds, exceptSummaryId ?? null],
    );
    return new Map(rows.map((row) => [row.plan_id, row.summary_id]));
  }

  /** The published summary that schedules this plan, if any. */
  async publishedSummaryOf(tx: EntityManager | DataSource, planId: string): Promise<string | null> {
    const rows: { summary_id: string }[] = await tx.query(
      `SELECT sp.summary_id FROM summary_plans sp JOIN summaries s ON s.id = sp.summary_id
        WHERE sp.plan_id = $1 AND s.status = 'published'`,
      [planId],
    );
    return rows[0]?.summary_id ?? null;
  }
}

function toPlan(row: LaunchPlanRow): LaunchPlan {
  const services = (Array.isArray(row.releases) ? row.releases : [])
    .map((release) => release?.service)
    .filter((service): service is string => typeof service === 'string');
  return { id: row.id, title: row.title, status: row.status, services: [...new Set(services)] };
}
