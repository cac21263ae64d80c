import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboard event payloads as `json` (the text, checked) rather than `jsonb`: they are
 * written once, read back whole and sent on, never queried inside. Converting a rollout
 * view of 10,000 hosts to jsonb and back cost more than the rest of writing it.
 */
export class OutboxPayloadJson1764370000000 implements MigrationInterface {
  name = 'OutboxPayloadJson1764370000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE dashboard_events ALTER COLUMN payload TYPE json USING payload::json');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE dashboard_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb');
  }
}
