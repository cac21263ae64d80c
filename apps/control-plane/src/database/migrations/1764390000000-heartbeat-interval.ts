import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The heartbeat interval each host's agent was last told: a large fleet's interval
 * stretches (TARMAC_MAX_HEARTBEATS_PER_SECOND), and the liveness sweep gives each host
 * what it was told. NULL (hosts last heard by an older control plane): the configured one.
 */
export class HeartbeatInterval1764390000000 implements MigrationInterface {
  name = 'HeartbeatInterval1764390000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE hosts ADD COLUMN heartbeat_interval_ms integer');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE hosts DROP COLUMN heartbeat_interval_ms');
  }
}
