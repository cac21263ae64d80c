// Launch plans, their gate signatures, and the fleet facts a plan is checked against.
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { FleetContext, Signature } from '../../../../libs/domain/src/index.js';
import type { Gate, PlanSpec, PlanStatus } from '../../../../libs/protocol/src/index.js';

export interface PlanRecord {
  id: string;
  title: string;
  authorId: string;
  authorName: string;
  status: PlanStatus;
  spec: PlanSpec;
  contentHash: string;
  revision: number;
  plannedLaunchAt: Date;
  reviewRequestedAt: Date | null;
  delayOverride: { by: string; reason: string; at: string } | null;
  rejection: { gate: Gate; by: string; comment: string; at: string } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SignatureRecord extends Signature {
  comment: string;
  signerName: string;
  signedAt: Date;
}

export interface PlanFilter {
  status?: PlanStatus;
  author?: string;
  service?: string;
  datacenter?: string;
  limit: number;
}

interface PlanRow {
  id: string;
  title: string;
  author_id: string;
  author_name: string;
  status: PlanStatus;
  spec: PlanSpec;
  content_hash: string;
  revision: number;
  planned_launch_at: Date;
  review_requested_at: Date | null;
  delay_override: PlanRecord['delayOverride'];
  rejection: PlanRecord['rejection'];
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT p.*, u.name AS author_name FROM plans p JOIN users u ON u.id = p.author_id`;

@Injectable()
export class PlanRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: EntityManager, plan: Omit<PlanRecord, 'id' | 'authorName' | 'createdAt' | 'updatedAt'>, now: Date): Promise<string> {
    const [{ id }] = await tx.query(
      `INSERT INTO plans (title, author_id, status, spec, content_hash, revision, planned_launch_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
      [plan.title, plan.authorId, plan.status, plan.spec, plan.contentHash, plan.revision, plan.plannedLaunchAt, now],
    );
    return id;
  }

  async find(id: string, tx: EntityManager | DataSource = this.db, lock = false): Promise<PlanRecord | undefined> {
    // FOR UPDATE cannot lock the nullable side of a join, so lock the plan row alone first.
    if (lock) await tx.query('SELECT id FROM plans WHERE id = $1 FOR UPDATE', [id]);
    const rows: PlanRow[] = await tx.query(`${SELECT} WHERE p.id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(filter: PlanFilter): Promise<PlanRecord[]> {
    const rows: PlanRow[] = await this.db.query(
      `${SELECT}
        WHERE ($1::text IS NULL OR p.status = $1) AND ($2::text IS NULL OR u.name = $2)
          AND ($3::text IS NULL OR p.spec->'releases' @> jsonb_build_array(jsonb_build_object('service', $3::text)))
          AND ($4::text IS NULL OR p.spec->'targetDatacenters' ? $4)
        ORDER BY p.planned_launch_at, p.created_at LIMIT $5`,
      [filter.status ?? null, filter.author ?? null, filter.service ?? null, filter.datacenter ?? null, filter.limit],
    );
    return rows.map(toRecord);
  }

  async update(tx: EntityManager, plan: PlanRecord, now: Date): Promise<void> {
    await tx.query(
      `UPDATE plans SET title = $2, status = $3, spec = $4, content_hash = $5, revision = $6, planned_launch_at = $7,
              review_requested_at = $8, delay_override = $9, rejection = $10, updated_at = $11
        WHERE id = $1`,
      [
        plan.id,
        plan.title,
        plan.status,
        plan.spec,
        plan.contentHash,
        plan.revision,
        plan.plannedLaunchAt,
        plan.reviewRequestedAt,
        plan.delayOverride === null ? null : JSON.stringify(plan.delayOverride),
        plan.rejection === null ? null : JSON.stringify(plan.rejection),
        now,
      ],
    );
  }

  async signatures(planId: string, tx: EntityManager | DataSource = this.db): Promise<SignatureRecord[]> {
    const rows: {
      gate: Gate;
      decision: 'approve' | 'reject';
      comment: string;
      user_id: string;
      name: string;
      content_hash: string;
      plan_revision: number;
      signed_at: Date;
    }[] = await tx.query(
      `SELECT s.gate, s.decision, s.comment, s.user_id, u.name, s.content_hash, s.plan_revision, s.signed_at
         FROM gate_signatures s JOIN users u ON u.id = s.user_id WHERE s.plan_id = $1 ORDER BY s.id`,
      [planId],
    );
    return rows.map((row) => ({
      gate: row.gate,
      decision: row.decision,
      comment: row.comment,
      signerId: row.user_id,
      signerName: row.name,
      contentHash: row.content_hash,
      revision: row.plan_revision,
      signedAt: row.signed_at,
    }));
  }

  async insertSignature(tx: EntityManager, planId: string, signature: Omit<SignatureRecord, 'signerName'>): Promise<void> {
    await tx.query(
      `INSERT INTO gate_signatures (plan_id, gate, decision, comment, user_id, content_hash, plan_revision, signed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [planId, signature.gate, signature.decision, signature.comment, signature.signerId, signature.contentHash, signature.revision, signature.signedAt],
    );
  }

  /** The services and hosts a plan is checked against. */
  async fleetContext(tx: EntityManager | DataSource = this.db): Promise<FleetContext> {
    const services: { name: string; role: string; versions: number[] }[] = await tx.query(
      `SELECT s.name, s.role, COALESCE(array_agg(c.version) FILTER (WHERE c.version IS NOT NULL), '{}') AS versions
         FROM services s LEFT JOIN service_configs c ON c.service = s.name GROUP BY s.name, s.role`,
    );
    const hosts: { hostname: string; datacenter: string; pool: 'preview' | 'production' }[] = await tx.query(
      'SELECT hostname, datacenter, pool FROM hosts',
    );
    return {
      services: new Map(services.map((s) => [s.name, { role: s.role, configVersions: s.versions.map(Number) }])),
      hosts,
    };
  }
}

function toRecord(row: PlanRow): PlanRecord {
  return {
    id: row.id,
    title: row.title,
    authorId: row.author_id,
    authorName: row.author_name,
    status: row.status,
    spec: row.spec,
    contentHash: row.content_hash,
    revision: row.revision,
    plannedLaunchAt: row.planned_launch_at,
    reviewRequestedAt: row.review_requested_at,
    delayOverride: row.delay_override,
    rejection: row.rejection,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
