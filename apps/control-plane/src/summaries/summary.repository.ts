// Launch summaries and their ordered plans, as stored.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { SummaryEntryDraft } from '../../../../libs/domain/src/summary-rules.js';
import type { SummaryPlanView, SummaryStatus, SummaryView } from '../../../../libs/protocol/src/index.js';

interface SummaryRow {
  id: string;
  title: string;
  window_start: Date;
  window_end: Date;
  status: SummaryStatus;
  notes: string;
  created_by: string;
  created_at: Date;
  published_at: Date | null;
}

interface SummaryPlanRow {
  summary_id: string;
  plan_id: string;
  position: number;
  merge_order: number;
  package_order: number;
  rollback_order: number;
  with_previous: boolean;
}

export interface NewSummary {
  title: string;
  window: { start: Date; end: Date };
  notes: string;
  createdBy: string;
  entries: readonly SummaryEntryDraft[];
  now: Date;
}

const COLUMNS = 'id, title, window_start, window_end, status, notes, created_by, created_at, published_at';

@Injectable()
export class SummaryRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, summary: NewSummary): Promise<SummaryView> {
    const [row]: SummaryRow[] = await tx.query(
      `INSERT INTO summaries (title, window_start, window_end, status, notes, created_by, created_at)
       VALUES ($1, $2, $3, 'draft', $4, $5, $6) RETURNING id`,
      [summary.title, summary.window.start, summary.window.end, summary.notes, summary.createdBy, summary.now],
    );
    for (const entry of summary.entries) {
      await tx.query(
        `INSERT INTO summary_plans (summary_id, plan_id, position, merge_order, package_order, rollback_order, with_previous)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [row.id, entry.planId, entry.position, entry.mergeOrder, entry.packageOrder, entry.rollbackOrder, entry.withPrevious],
      );
    }
    return (await this.find(row.id, tx))!;
  }

  async find(id: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<SummaryView | undefined> {
    const rows: SummaryRow[] = await tx.query(`SELECT ${COLUMNS} FROM summaries WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!rows[0]) return undefined;
    return toView(rows[0], await this.plansOf(tx, [id]));
  }

  async list(): Promise<SummaryView[]> {
    const rows: SummaryRow[] = await this.db.query(`SELECT ${COLUMNS} FROM summaries ORDER BY window_start, created_at, id`);
    const plans = await this.plansOf(this.db, rows.map((row) => row.id));
    return rows.map((row) => toView(row, plans));
  }

  async setStatus(tx: EntityManager, id: string, status: SummaryStatus, publishedAt?: Date): Promise<void> {
    await tx.query('UPDATE summaries SET status = $2, published_at = COALESCE($3, published_at) WHERE id = $1', [
      id,
      status,
      publishedAt ?? null,
    ]);
  }

  private async plansOf(tx: EntityManager | DataSource, ids: string[]): Promise<Map<string, SummaryPlanView[]>> {
    const rows: SummaryPlanRow[] = await tx.query(
      `SELECT summary_id, plan_id, position, merge_order, package_order, rollback_order, with_previous
         FROM summary_plans WHERE summary_id = ANY($1::uuid[]) ORDER BY summary_id, position`,
      [ids],
    );
    const bySummary = new Map<string, SummaryPlanView[]>();
    for (const row of rows) {
      const list = bySummary.get(row.summary_id) ?? [];
      list.push({
        planId: row.plan_id,
        position: row.position,
        mergeOrder: row.merge_order,
        packageOrder: row.package_order,
        rollbackOrder: row.rollback_order,
        withPrevious: row.with_previous,
      });
      bySummary.set(row.summary_id, list);
    }
    return bySummary;
  }
}

function toView(row: SummaryRow, plans: Map<string, SummaryPlanView[]>): SummaryView {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    window: { start: row.window_start.toISOString(), end: row.window_end.toISOString() },
    notes: row.notes,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    publishedAt: row.published_at?.toISOString() ?? null,
    plans: plans.get(row.id) ?? [],
  };
}
