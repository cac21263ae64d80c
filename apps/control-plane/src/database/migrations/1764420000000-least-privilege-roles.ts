import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the application's database role may do, in one place: the schema owner (who runs
 * the migrations) calls `tarmac_grant_application_role(role)` after migrating, on every
 * start (database.ts). The application may read and write the tables it works on, but may
 * only read and append to `audit_log` and only read `migrations`; it owns nothing, so it
 * cannot alter, disable or drop the append-only trigger either.
 *
 * Tables of later migrations are covered twice: the default privileges below (for tables
 * the same owner creates) and the grant on all tables at each start (for any other case,
 * such as a different owner role running a later migration). The role is not known to a
 * migration (it is DATABASE_URL's), hence a function rather than grants here.
 */
export class LeastPrivilegeRoles1764420000000 implements MigrationInterface {
  name = 'LeastPrivilegeRoles1764420000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION tarmac_grant_application_role(app regrole) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Revoking first makes the call idempotent and takes back anything granted by hand.
        EXECUTE format('REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM %s', app);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', current_database(), app);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %s', app);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %s', app);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %s', app);
        EXECUTE format('REVOKE ALL ON audit_log, migrations FROM %s', app);
        EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %s', app);
        -- Read, so a control plane without the owner's URL can tell whether the schema is current.
        EXECUTE format('GRANT SELECT ON migrations TO %s', app);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s', app);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %s', app);
      END $$`);
    await db.query('REVOKE ALL ON FUNCTION tarmac_grant_application_role(regrole) FROM PUBLIC');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP FUNCTION tarmac_grant_application_role(regrole)');
  }
}
