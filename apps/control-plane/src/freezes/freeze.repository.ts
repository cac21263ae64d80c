// Freeze windows as stored.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { FreezeWindow } from '../../../../libs/domain/src/freeze.js';
import type { FreezeView } from '../../../../libs/protocol/src/index.js';

interface FreezeRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  created_by: string;
  created_at: Date;
}

const COLUMNS = 'id, starts_at, ends_at, reason, created_by, created_at';

export interface NewFreeze {
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: string;
  now: Date;
}

@Injectable()
export class FreezeRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, freeze: NewFreeze): Promise<FreezeView> {
    const [row]: FreezeRow[] = await tx.query(
      `INSERT INTO freezes (starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [freeze.startsAt, freeze.endsAt, freeze.reason, freeze.createdBy, freeze.now],
    );
    return toView(row);
  }

  async list(): Promise<FreezeView[]> {
    const rows: FreezeRow[] = await this.db.query(`SELECT ${COLUMNS} FROM freezes ORDER BY starts_at, id`);
    return rows.map(toView);
  }

  /** Every freeze still running or to come at `t`: enough to tell whether t is frozen and until when. */
  async endingAfter(t: Date, tx: EntityManager | DataSource = this.db): Promise<FreezeWindow[]> {
    const rows: FreezeRow[] = await tx.query(`SELECT ${COLUMNS} FROM freezes WHERE ends_at > $1 ORDER BY starts_at, id`, [t]);
    return rows.map((row) => ({ id: row.id, startsAt: row.starts_at, endsAt: row.ends_at, reason: row.reason }));
  }
}

function toView(row: FreezeRow): FreezeView {
  return {
    id: row.id,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
  };
}
