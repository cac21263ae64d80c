import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The documents the control plane writes and reads back whole as `json` (the text,
 * checked) rather than `jsonb`: dashboard event payloads, and each rollout's spec and
 * state. None is searched inside by an index; converting a 10,000-host state or
 * rollout view to jsonb on every write, and back to text on every read, cost more than
 * the rest of writing it.
 */
export class JsonDocuments1764370000000 implements MigrationInterface {
  name = 'JsonDocuments1764370000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE dashboard_events ALTER COLUMN payload TYPE json USING payload::json');
    await db.query('ALTER TABLE rollouts ALTER COLUMN spec TYPE json USING spec::json, ALTER COLUMN state TYPE json USING state::json');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE rollouts ALTER COLUMN spec TYPE jsonb USING spec::jsonb, ALTER COLUMN state TYPE jsonb USING state::jsonb');
    await db.query('ALTER TABLE dashboard_events ALTER COLUMN payload TYPE jsonb USING payload::jsonb');
  }
}
