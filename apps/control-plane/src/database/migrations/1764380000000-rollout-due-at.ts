import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When time passing alone can next change a rollout (a step or batch deadline, the end
 * of a ramp or pause, the next judgment): the engine's poller decides a rollout on a
 * tick only once it is due, instead of reading and deciding every active rollout's
 * whole state twice a second. NULL: only an event can move it.
 */
export class RolloutDueAt1764380000000 implements MigrationInterface {
  name = 'RolloutDueAt1764380000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE rollouts ADD COLUMN due_at timestamptz');
    // Rollouts under way when this lands are due at once: their first tick decides as before.
    await db.query(`UPDATE rollouts SET due_at = now() WHERE status IN ('running', 'paused', 'rolling_back')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE rollouts DROP COLUMN due_at');
  }
}
