import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Datacenter traffic shifts: per service and datacenter, whether an operator has drained
 * it, why, by whom and when. No row: never changed, serving. No foreign key to
 * `datacenters`: a host's datacenter may be one its agent reported and nobody catalogued.
 */
export class TrafficShift1764360000000 implements MigrationInterface {
  name = 'TrafficShift1764360000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE datacenter_traffic (
        service text NOT NULL REFERENCES services(name),
        datacenter text NOT NULL,
        serving boolean NOT NULL,
        reason text NOT NULL CHECK (reason <> ''),
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL,
        -- The operator's shift that set it: the first part of its commands' keys. A host that
        -- registers without having it (new, or its agent's journal lost) gets the drain again.
        shift_id uuid,
        PRIMARY KEY (service, datacenter)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE datacenter_traffic');
  }
}
