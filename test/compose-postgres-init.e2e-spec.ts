// docker-compose.yml's database: the postgres image runs deploy/postgres-init/ when it
// initialises its volume. Run here, as that image would (psql as the superuser, on the
// database it made), the script must leave a role the control plane starts on, with the
// owner's URL beside it, and that role must not be able to rewrite the audit log.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { createTestDatabase, type TestDatabase } from './support/database.js';
import { testEnv } from './support/test-env.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'postgres-init', '10-tarmac-app-role.sh');
/** The name docker-compose.yml's DATABASE_URL uses; the script creates it cluster-wide. */
const APP_ROLE = 'tarmac_app';

describe('the compose database init script', () => {
  let database: TestDatabase;
  let cp: TestControlPlane | undefined;
  const password = randomBytes(12).toString('hex');
  const superuser = () => new URL(testEnv().databaseUrl);

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await cp?.close();
    await database?.drop();
    const admin = new pg.Client({ connectionString: testEnv().databaseUrl });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${APP_ROLE}`).finally(() => admin.end());
  });

  it('creates the role the control plane runs as, which appends to the audit log and cannot rewrite it', async () => {
    const admin = superuser();
    const run = spawnSync('sh', [SCRIPT], {
      env: {
        ...process.env,
        POSTGRES_USER: decodeURIComponent(admin.username),
        POSTGRES_DB: new URL(database.url).pathname.slice(1),
        TARMAC_APP_DB_PASSWORD: password,
        PGHOST: admin.hostname,
        PGPORT: admin.port,
        PGPASSWORD: decodeURIComponent(admin.password),
      },
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });

    const appUrl = new URL(database.url);
    appUrl.username = APP_ROLE;
    appUrl.password = password;
    // As docker-compose.yml sets them: the app role to run as, the owner (here the superuser) to migrate.
    cp = await startTestControlPlane({ DATABASE_URL: appUrl.toString(), TARMAC_DATABASE_OWNER_URL: database.url }, undefined, { database });
    expect(cp.plane.database.role).toEqual({ name: APP_ROLE, privileged: false });
    await cp.http().post('/api/v1/datacenters').set('Authorization', `Bearer ${cp.adminToken}`).send({ name: 'tc', rolloutOrder: 1 }).expect(201);

    const client = new pg.Client({ connectionString: appUrl.toString() });
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM audit_log')).rows[0].n).toBeGreaterThan(0);
      await expect(client.query('DELETE FROM audit_log')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('ALTER TABLE audit_log DISABLE TRIGGER ALL')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});
