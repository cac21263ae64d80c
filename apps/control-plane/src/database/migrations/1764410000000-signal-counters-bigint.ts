import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sample's health failures and restarts as bigint, like its other counters: the wire
 * allows any count up to 1e12, and one value above 2^31-1 in an `integer` column failed
 * the insert of the agent's whole batch.
 */
export class SignalCountersBigint1764410000000 implements MigrationInterface {
  name = 'SignalCountersBigint1764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE signal_samples ALTER COLUMN health_failures TYPE bigint, ALTER COLUMN restarts TYPE bigint');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE signal_samples ALTER COLUMN health_failures TYPE integer, ALTER COLUMN restarts TYPE integer');
  }
}
