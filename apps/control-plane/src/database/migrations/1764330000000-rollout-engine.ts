import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rollout engine: each rollout's spec and decision state, and every host's command log. */
export class RolloutEngine1764330000000 implements MigrationInterface {
  name = 'RolloutEngine1764330000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE rollouts ADD COLUMN spec jsonb`);
    await db.query(`ALTER TABLE rollouts ADD COLUMN state jsonb`);
    await db.query(`ALTER TABLE rollouts ADD COLUMN reason jsonb`);
    await db.query(`ALTER TABLE rollouts ADD COLUMN finished_at timestamptz`);
    await db.query(`CREATE INDEX rollouts_active_idx ON rollouts (status) WHERE status IN ('pending', 'running', 'paused')`);
    await db.query(`
      CREATE TABLE host_command_sequences (
        hostname text PRIMARY KEY,
        value bigint NOT NULL
      )`);
    // One log per host: the agent reports the highest sequence it finished and gets the rest again.
    await db.query(`
      CREATE TABLE host_commands (
        hostname text NOT NULL,
        seq bigint NOT NULL,
        key text NOT NULL UNIQUE,
        rollout_id uuid NOT NULL REFERENCES rollouts(id),
        step text NOT NULL,
        command jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'completed', 'failed', 'abandoned')),
        result jsonb,
        reason text,
        message text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz,
        deadline_at timestamptz NOT NULL,
        finished_at timestamptz,
        PRIMARY KEY (hostname, seq)
      )`);
    await db.query(`CREATE INDEX host_commands_open_idx ON host_commands (hostname, seq) WHERE status IN ('pending', 'sent')`);
    await db.query(`CREATE INDEX host_commands_rollout_idx ON host_commands (rollout_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE host_commands');
    await db.query('DROP TABLE host_command_sequences');
    await db.query('DROP INDEX rollouts_active_idx');
    for (const column of ['finished_at', 'reason', 'state', 'spec']) await db.query(`ALTER TABLE rollouts DROP COLUMN ${column}`);
  }
}
