// Opens the control plane's database: the configured server, or an embedded one,
// and brings its schema up to date through the migrations (never `synchronize`).
// The application connects as its least-privilege role; the migrations run as the
// schema's owner when its URL is known (docs/database-roles.md).
import { DataSource, type QueryRunner } from 'typeorm';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { MIGRATIONS } from './migrations/index.js';

/** Serialises migrations when several replicas start at once. */
const MIGRATION_LOCK_KEY = 7_413_220_901;

export interface Database {
  dataSource: DataSource;
  /** The URL the application connects with (its least-privilege role, when set up). */
  url: string;
  embedded: boolean;
  /** The role the application connects as, and whether it could rewrite the audit log. */
  role: DatabaseRole;
  /** Names of the migrations this start applied; empty when the schema was current. */
  appliedMigrations: string[];
  close(): Promise<void>;
}

export interface DatabaseRole {
  name: string;
  /** A superuser, or a member of the owner of the database, its schema or one of its tables. */
  privileged: boolean;
}

export interface DatabaseOptions {
  /** The application role's URL; absent: an embedded PostgreSQL in `dataDir`. */
  databaseUrl?: string;
  /** The schema owner's URL, used only to migrate and to grant; absent: `databaseUrl` migrates. */
  databaseOwnerUrl?: string;
  dataDir: string;
}

export async function openDatabase(
  options: DatabaseOptions,
  log: (line: string) => void,
  warn: (line: string) => void = log,
): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres(options.dataDir, log);
  const url = options.databaseUrl ?? embedded!.url;
  const ownerUrl = options.databaseUrl ? options.databaseOwnerUrl : embedded!.ownerUrl;
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    extra: { max: 20, application_name: 'tarmac-control-plane' },
  });
  try {
    await dataSource.initialize();
    const role = await describeRole(dataSource);
    if (role.privileged) {
      warn(
        `the control plane connects to PostgreSQL as ${role.name}, a superuser or owner of the schema: ` +
          'it could rewrite the audit log. Give it a least-privilege role in DATABASE_URL and the owner in ' +
          'TARMAC_DATABASE_OWNER_URL (docs/database-roles.md)',
      );
    }
    const appliedMigrations = ownerUrl
      ? await migrateAsOwner(ownerUrl, role)
      : await migrateAsApplication(dataSource, role);
    return {
      dataSource,
      url,
      embedded: embedded !== undefined,
      role,
      appliedMigrations,
      close: async () => {
        await dataSource.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
}

async function describeRole(dataSource: DataSource): Promise<DatabaseRole> {
  // Owning the database or the schema is as good as owning audit_log: DROP SCHEMA ... CASCADE.
  const [row]: { name: string; privileged: boolean }[] = await dataSource.query(`
    SELECT current_user AS name,
           r.rolsuper
           OR (SELECT pg_has_role(current_user, datdba, 'MEMBER') FROM pg_database WHERE datname = current_database())
           OR (SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = 'public')
           OR EXISTS (SELECT 1 FROM pg_class c
                       WHERE c.relnamespace = 'public'::regnamespace AND pg_has_role(current_user, c.relowner, 'MEMBER'))
           AS privileged
      FROM pg_roles r WHERE r.rolname = current_user`);
  return row!;
}

/** Migrates as the owner, then grants the application's role what it may do (migration 1764420000000). */
async function migrateAsOwner(ownerUrl: string, application: DatabaseRole): Promise<string[]> {
  const owner = new DataSource({
    type: 'postgres',
    url: ownerUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
    extra: { max: 2, application_name: 'tarmac-migrations' },
  });
  await owner.initialize();
  try {
    return await migrate(owner, async (runner) => {
      // A privileged application role is warned about above; revoking from it could only break it.
      if (!application.privileged) await runner.query('SELECT tarmac_grant_application_role(quote_ident($1)::regrole)', [application.name]);
    });
  } finally {
    await owner.destroy();
  }
}

async function migrateAsApplication(dataSource: DataSource, role: DatabaseRole): Promise<string[]> {
  if (!role.privileged) {
    const pending = await pendingMigrations(dataSource);
    if (pending.length > 0) {
      throw new Error(
        `${pending.length} migration(s) to apply (${pending.join(', ')}) and ${role.name}, DATABASE_URL's role, ` +
          'may not change the schema: set TARMAC_DATABASE_OWNER_URL to the schema owner (docs/database-roles.md)',
      );
    }
  }
  return migrate(dataSource);
}

async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ present }]: { present: boolean }[] = await dataSource.query(`SELECT to_regclass('migrations') IS NOT NULL AS present`);
  const applied = new Set<string>(present ? (await dataSource.query('SELECT name FROM migrations')).map((row: { name: string }) => row.name) : []);
  return MIGRATIONS.map((migration) => new migration().name!).filter((name) => !applied.has(name));
}

async function migrate(dataSource: DataSource, afterwards?: (runner: QueryRunner) => Promise<void>): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    // Under the same lock: concurrent GRANTs on one table fail with "tuple concurrently updated".
    await afterwards?.(runner);
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
