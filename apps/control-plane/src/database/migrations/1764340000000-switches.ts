import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Service switches, and host commands outside any rollout (a switch:set has none). */
export class Switches1764340000000 implements MigrationInterface {
  name = 'Switches1764340000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE switches (
        service text NOT NULL REFERENCES services(name),
        name text NOT NULL,
        enabled boolean NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (service, name)
      )`);
    await db.query(`ALTER TABLE host_commands ALTER COLUMN rollout_id DROP NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM host_commands WHERE rollout_id IS NULL`);
    await db.query(`ALTER TABLE host_commands ALTER COLUMN rollout_id SET NOT NULL`);
    await db.query('DROP TABLE switches');
  }
}
