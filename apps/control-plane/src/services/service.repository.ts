// Services as stored: the container spec is one JSON document; `revision` counts its replacements.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ContainerSpec, CreateService, ServiceDefinition, ServiceView } from '../../../../libs/protocol/src/index.js';

interface ServiceRow {
  name: string;
  image_repository: string;
  role: string;
  spec: ContainerSpec;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, image_repository, role, spec, revision, created_at, updated_at';

@Injectable()
export class ServiceRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<ServiceView[]> {
    const rows: ServiceRow[] = await this.db.query(`SELECT ${COLUMNS} FROM services ORDER BY name`);
    return rows.map(toView);
  }

  async find(name: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<ServiceView | undefined> {
    const rows: ServiceRow[] = await tx.query(`SELECT ${COLUMNS} FROM services WHERE name = $1${lock ? ' FOR UPDATE' : ''}`, [name]);
    return rows[0] && toView(rows[0]);
  }

  /** Inserts a service; undefined when the name is taken. */
  async create(tx: EntityManager, service: CreateService, now: Date): Promise<ServiceView | undefined> {
    const rows: ServiceRow[] = await tx.query(
      `INSERT INTO services (name, image_repository, role, spec, revision, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [service.name, service.imageRepository, service.role, JSON.stringify(service.container), now],
    );
    return rows[0] && toView(rows[0]);
  }

  async replace(tx: EntityManager, name: string, definition: ServiceDefinition, now: Date): Promise<ServiceView> {
    const [[row]]: [ServiceRow[], number] = await tx.query(
      `UPDATE services SET image_repository = $2, role = $3, spec = $4, revision = revision + 1, updated_at = $5
        WHERE name = $1 RETURNING ${COLUMNS}`,
      [name, definition.imageRepository, definition.role, JSON.stringify(definition.container), now],
    );
    return toView(row!);
  }
}

function toView(row: ServiceRow): ServiceView {
  return {
    name: row.name,
    role: row.role,
    imageRepository: row.image_repository,
    container: row.spec,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
