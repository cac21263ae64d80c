// A fresh PostgreSQL database for each benchmark run: on the cluster named by
// TARMAC_BENCH_DATABASE_URL or TARMAC_TEST_DATABASE_URL (an admin URL, as
// scripts/test-services.sh prints it), or else on an embedded PostgreSQL the bench
// starts in a temporary directory (the same package the control plane embeds).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../apps/control-plane/src/database/embedded-postgres.js';

export interface BenchDatabase {
  url: string;
  /** Where it lives, for the report. */
  describe: string;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  let adminUrl = process.env.TARMAC_BENCH_DATABASE_URL || process.env.TARMAC_TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let describe = 'PostgreSQL cluster from TARMAC_BENCH_DATABASE_URL / TARMAC_TEST_DATABASE_URL';
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'tarmac-bench-pg-'));
    log(`no TARMAC_TEST_DATABASE_URL: starting an embedded PostgreSQL in ${dir}`);
    const embedded = await startEmbeddedPostgres(dir, log);
    adminUrl = embedded.url;
    describe = 'embedded PostgreSQL (embedded-postgres package), started by the bench';
    stopEmbedded = async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `tarmac_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    describe,
    async drop() {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
      await stopEmbedded?.();
    },
  };
}
