// Finding 4 of issue 15: the audit log is append-only for the role the control plane
// connects as, not by courtesy. Given a running control plane (on its least-privilege
// role, migrated by the owner), whoever holds its database connection, as a SQL
// injection or a compromised process would, can append and read, and nothing else.
import pg from 'pg';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { queryAt } from './support/database.js';

describe('the audit log, as the role the control plane connects as', () => {
  let cp: TestControlPlane;
  const admin = () => `Bearer ${cp.adminToken}`;

  /** Runs statements in one transaction on a connection of `url`'s role; rolls back on failure. */
  const inTransaction = async (url: string, statements: string[]): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      for (const sql of statements) await client.query(sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      await client.end();
    }
  };
  /** What the audit log holds and its trigger, read as the cluster's superuser. */
  const auditState = async () => ({
    rows: await queryAt(cp.database.url, 'SELECT * FROM audit_log ORDER BY id'),
    trigger: await queryAt(cp.database.url, `SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND NOT tgisinternal`),
  });

  beforeAll(async () => {
    cp = await startTestControlPlane();
    // Given an audited change made through the API.
    await cp.http().post('/api/v1/datacenters').set('Authorization', admin()).send({ name: 'tc', rolloutOrder: 1 }).expect(201);
  });
  afterAll(() => cp?.close());

  it('connects as a role that is neither a superuser nor the owner of anything', async () => {
    const [role] = await queryAt(cp.database.url, 'SELECT * FROM pg_roles WHERE rolname = $1', [cp.database.appRole]);
    expect(new URL(cp.plane.database.url).username).toBe(cp.database.appRole);
    expect(cp.plane.database.role).toEqual({ name: cp.database.appRole, privileged: false });
    expect(role).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolreplication: false, rolbypassrls: false });
    const owned = await queryAt(
      cp.database.url,
      `SELECT 'database' AS kind FROM pg_database WHERE datname = current_database() AND datdba = $1::regrole
       UNION ALL SELECT 'schema' FROM pg_namespace WHERE nspowner = $1::regrole
       UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relowner = $1::regrole
       UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proowner = $1::regrole
       UNION ALL SELECT 'type ' || typname FROM pg_type WHERE typowner = $1::regrole`,
      [cp.database.appRole],
    );
    expect(owned).toEqual([]);
  });

  it('may read and append to audit_log and only read migrations; may read and write the other tables, no more', async () => {
    const privileges = await queryAt<{ table: string; granted: string[] }>(
      cp.database.url,
      `SELECT c.relname AS table,
              array(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
                     WHERE has_table_privilege($1, c.oid, p)) AS granted
         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
      [cp.database.appRole],
    );
    const byTable = Object.fromEntries(privileges.map((row) => [row.table, row.granted]));
    expect(byTable.audit_log).toEqual(['SELECT', 'INSERT']);
    expect(byTable.migrations).toEqual(['SELECT']);
    const others = privileges.filter((row) => row.table !== 'audit_log' && row.table !== 'migrations');
    expect(others.length).toBeGreaterThan(20);
    for (const row of others) expect([row.table, row.granted]).toEqual([row.table, ['SELECT', 'INSERT', 'UPDATE', 'DELETE']]);
  });

  it('appends through the API and reads the entry back', async () => {
    await cp.http().post('/api/v1/datacenters').set('Authorization', admin()).send({ name: 'sh', rolloutOrder: 2 }).expect(201);
    const audit = await cp.http().get('/api/v1/audit?actor=admin').set('Authorization', admin()).expect(200);
    expect(audit.body.map((entry: { action: string; entityId: string }) => `${entry.action} ${entry.entityId}`)).toEqual(
      expect.arrayContaining(['datacenter.created tc', 'datacenter.created sh']),
    );
  });

  it.each([
    ['UPDATE', [`UPDATE audit_log SET actor_name = 'mallory'`]],
    ['DELETE', ['DELETE FROM audit_log']],
    ['TRUNCATE', ['TRUNCATE audit_log']],
    ['replica mode, then UPDATE', ['SET LOCAL session_replication_role = replica', `UPDATE audit_log SET actor_name = 'mallory'`]],
    ['replica mode, then DELETE', ['SET LOCAL session_replication_role = replica', 'DELETE FROM audit_log']],
    ['disabling the triggers, then DELETE', ['ALTER TABLE audit_log DISABLE TRIGGER ALL', 'DELETE FROM audit_log']],
    ['dropping the trigger, then DELETE', ['DROP TRIGGER audit_log_append_only ON audit_log', 'DELETE FROM audit_log']],
    ['replacing the trigger function', [`CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`]],
    ['a trigger of its own', [`CREATE TRIGGER rewrite BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()`]],
    ['taking ownership', ['ALTER TABLE audit_log OWNER TO CURRENT_USER']],
    ['DROP TABLE', ['DROP TABLE audit_log']],
    ['DROP SCHEMA ... CASCADE', ['DROP SCHEMA public CASCADE']],
  ])('refuses %s and leaves the log and its trigger as they were', async (_attack, statements) => {
    const before = await auditState();
    expect(before.rows.length).toBeGreaterThan(0);
    await expect(inTransaction(cp.plane.database.url, statements)).rejects.toMatchObject({ code: '42501' });
    expect(await auditState()).toEqual(before);
  });

  it('refuses to become the owner, whose role it is not a member of', async () => {
    await expect(inTransaction(cp.plane.database.url, [`SET ROLE "${cp.database.ownerRole}"`])).rejects.toMatchObject({ code: '42501' });
  });

  it('covers a table created after the grants: default privileges, and the grants again at the next start', async () => {
    // Given a table a later migration of the owner creates, and one the cluster's superuser creates.
    await inTransaction(cp.database.ownerUrl, ['CREATE TABLE later_owner_table (id int)']);
    await inTransaction(cp.database.url, ['CREATE TABLE later_superuser_table (id int)']);
    const can = async (table: string) =>
      (await queryAt<{ granted: boolean }>(cp.database.url, `SELECT has_table_privilege($1, $2, 'INSERT') AS granted`, [cp.database.appRole, table]))[0]!.granted;
    expect(await can('later_owner_table')).toBe(true);
    expect(await can('later_superuser_table')).toBe(false);
    await inTransaction(cp.database.url, [`ALTER TABLE later_superuser_table OWNER TO "${cp.database.ownerRole}"`]);

    // When the control plane starts again on the same database.
    const again = await startTestControlPlane({}, undefined, { database: cp.database });
    try {
      expect(await can('later_superuser_table')).toBe(true);
    } finally {
      await again.close();
    }
  });
});
