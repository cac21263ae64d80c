// Opens the control plane's database: the configured server, or an embedded one,
// and brings its schema up to date through the migrations (never `synchronize`).
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { MIGRATIONS } from './migrations/index.js';

/** Serialises migrations when several replicas start at once. */
const MIGRATION_LOCK_KEY = 7_413_220_901;

export interface Database {
  dataSource: DataSource;
  url: string;
  embedded: boolean;
  /** Names of the migrations this start applied; empty when the schema was current. */
  appliedMigrations: string[];
  close(): Promise<void>;
}

export async function openDatabase(
  options: { databaseUrl?: string; dataDir: string },
  log: (line: string) => void,
): Promise<Database> {
  const embedded = options.databaseUrl ? undefined : await startEmbeddedPostgres(options.dataDir, log);
  const url = options.databaseUrl ?? embedded!.url;
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
    const appliedMigrations = await migrate(dataSource);
    return {
      dataSource,
      url,
      embedded: embedded !== undefined,
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

async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
