// Datacenters: the waves of a rollout, in rollout order, with how many hosts each holds.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { CreateDatacenter, DatacenterView } from '../../../../libs/protocol/src/index.js';

interface DatacenterRow {
  name: string;
  rollout_order: number;
  description: string;
  created_at: Date;
  preview: number;
  production: number;
}

const WITH_HOST_COUNTS = `
  SELECT d.name, d.rollout_order, d.description, d.created_at,
         count(h.id) FILTER (WHERE h.pool = 'preview')::int AS preview,
         count(h.id) FILTER (WHERE h.pool = 'production')::int AS production
    FROM datacenters d LEFT JOIN hosts h ON h.datacenter = d.name`;

export type DatacenterConflict = 'name' | 'rollout-order';

@Injectable()
export class DatacenterRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<DatacenterView[]> {
    const rows: DatacenterRow[] = await this.db.query(`${WITH_HOST_COUNTS} GROUP BY d.name ORDER BY d.rollout_order`);
    return rows.map(toView);
  }

  async find(name: string, tx: EntityManager | DataSource = this.db): Promise<DatacenterView | undefined> {
    const rows: DatacenterRow[] = await tx.query(`${WITH_HOST_COUNTS} WHERE d.name = $1 GROUP BY d.name`, [name]);
    return rows[0] && toView(rows[0]);
  }

  /** Inserts a datacenter, or tells which unique column another one already holds. */
  async create(tx: EntityManager, datacenter: CreateDatacenter, now: Date): Promise<DatacenterView | DatacenterConflict> {
    const inserted: DatacenterRow[] = await tx.query(
      `INSERT INTO datacenters (name, rollout_order, description, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING
       RETURNING name, rollout_order, description, created_at, 0 AS preview, 0 AS production`,
      [datacenter.name, datacenter.rolloutOrder, datacenter.description, now],
    );
    if (inserted[0]) return toView(inserted[0]);
    const [{ taken }] = await tx.query('SELECT EXISTS (SELECT 1 FROM datacenters WHERE name = $1) AS taken', [datacenter.name]);
    return taken ? 'name' : 'rollout-order';
  }
}

function toView(row: DatacenterRow): DatacenterView {
  return {
    name: row.name,
    rolloutOrder: row.rollout_order,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    hosts: { preview: Number(row.preview), production: Number(row.production) },
  };
}
