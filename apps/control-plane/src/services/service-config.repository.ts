// Versioned config files of a service: each version is written once and never changed.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ServiceConfigView } from '../../../../libs/protocol/src/index.js';
import type { Actor } from '../audit/audit-log.repository.js';

interface ConfigRow {
  service: string;
  version: number;
  files: Record<string, string>;
  /** The author's name (the table keeps their id). */
  created_by: string | null;
  created_at: Date;
}

@Injectable()
export class ServiceConfigRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Appends the next version. The caller holds the service's row lock, so versions of
   * one service are numbered 1, 2, ... without gaps or collisions.
   */
  async append(tx: EntityManager, service: string, files: Record<string, string>, author: Actor, now: Date): Promise<ServiceConfigView> {
    const [row]: ConfigRow[] = await tx.query(
      `INSERT INTO service_configs (service, version, files, created_by, created_at)
       SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4 FROM service_configs WHERE service = $1
       RETURNING service, version, files, created_by, created_at`,
      [service, JSON.stringify(files), author.id, now],
    );
    return toView({ ...row!, created_by: author.name });
  }

  async find(service: string, version: number, tx: EntityManager | DataSource = this.db): Promise<ServiceConfigView | undefined> {
    const rows: ConfigRow[] = await tx.query(
      `SELECT c.service, c.version, c.files, u.name AS created_by, c.created_at
         FROM service_configs c LEFT JOIN users u ON u.id = c.created_by
        WHERE c.service = $1 AND c.version = $2`,
      [service, version],
    );
    return rows[0] && toView(rows[0]);
  }
}

function toView(row: ConfigRow): ServiceConfigView {
  return { service: row.service, version: row.version, files: row.files, createdBy: row.created_by, createdAt: row.created_at.toISOString() };
}
