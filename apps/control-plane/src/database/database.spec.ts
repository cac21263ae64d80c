// openDatabase on the real test cluster: who migrates, and what happens when the
// application's role is privileged or the owner's URL is missing.
import { createTestDatabase, type TestDatabase } from '../../../../test/support/database.js';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

describe('openDatabase', () => {
  let testDb: TestDatabase;
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(line);

  beforeEach(async () => {
    testDb = await createTestDatabase();
    warnings.length = 0;
  });
  afterEach(() => testDb?.drop());

  it('migrates as the owner and connects as the application role, without a warning', async () => {
    const database = await openDatabase({ databaseUrl: testDb.appUrl, databaseOwnerUrl: testDb.ownerUrl, dataDir: '/nonexistent' }, () => undefined, warn);
    try {
      expect(database.appliedMigrations).toHaveLength(MIGRATIONS.length);
      expect(database.role).toEqual({ name: testDb.appRole, privileged: false });
      expect(await database.dataSource.query('SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = $1', ['public'])).toEqual([
        { tableowner: testDb.ownerRole },
      ]);
      expect(warnings).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('refuses to start a least-privilege role on a schema it cannot migrate, naming the variable', async () => {
    await expect(openDatabase({ databaseUrl: testDb.appUrl, dataDir: '/nonexistent' }, () => undefined, warn)).rejects.toThrow(
      new RegExp(`${MIGRATIONS.length} migration\\(s\\) to apply .* ${testDb.appRole}, DATABASE_URL's role, may not change the schema: set TARMAC_DATABASE_OWNER_URL`),
    );
  });

  it('starts a least-privilege role without the owner once the schema is current (migrations run separately)', async () => {
    await (await openDatabase({ databaseUrl: testDb.appUrl, databaseOwnerUrl: testDb.ownerUrl, dataDir: '/nonexistent' }, () => undefined)).close();
    const database = await openDatabase({ databaseUrl: testDb.appUrl, dataDir: '/nonexistent' }, () => undefined, warn);
    try {
      expect(database.appliedMigrations).toEqual([]);
      expect(warnings).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('still runs on a superuser alone, as before, warning that it could rewrite the audit log', async () => {
    const database = await openDatabase({ databaseUrl: testDb.url, dataDir: '/nonexistent' }, () => undefined, warn);
    try {
      expect(database.appliedMigrations).toHaveLength(MIGRATIONS.length);
      expect(warnings).toEqual([expect.stringMatching(/as postgres, a superuser or owner of the schema: it could rewrite the audit log.*TARMAC_DATABASE_OWNER_URL/)]);
    } finally {
      await database.close();
    }
  });

  it('warns about a schema owner used as DATABASE_URL, and grants it nothing', async () => {
    const database = await openDatabase({ databaseUrl: testDb.ownerUrl, databaseOwnerUrl: testDb.ownerUrl, dataDir: '/nonexistent' }, () => undefined, warn);
    try {
      expect(database.role).toEqual({ name: testDb.ownerRole, privileged: true });
      expect(warnings).toHaveLength(1);
      // Still the owner's full privileges: nothing was revoked from it.
      await database.dataSource.query(`INSERT INTO datacenters (name, rollout_order) VALUES ('tc', 1)`);
      await database.dataSource.query(`UPDATE datacenters SET description = 'x'`);
    } finally {
      await database.close();
    }
  });
});
