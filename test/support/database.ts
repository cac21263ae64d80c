// A fresh PostgreSQL database per test file (or per test) on the test cluster,
// so specs run in parallel without seeing each other's rows. Each has its own two
// roles, as production has (docs/database-roles.md): an owner that migrates, and the
// least-privilege role the control plane connects as. Roles are cluster-wide, so
// theirs are named after the database, and dropped with it.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Client } from 'pg';
import { testEnv } from './test-env.js';

export interface TestDatabase {
  /** Connection URL of the new database, as the cluster's superuser: for fixtures and checks. */
  url: string;
  /** The same database as its owner role, which runs the migrations (TARMAC_DATABASE_OWNER_URL). */
  ownerUrl: string;
  /** The same database as the application role the control plane connects as (DATABASE_URL). */
  appUrl: string;
  ownerRole: string;
  appRole: string;
  /** The environment that runs a control plane on it with its two roles. */
  controlPlaneEnv: { DATABASE_URL: string; TARMAC_DATABASE_OWNER_URL: string };
  /** Terminates its connections, drops it and its roles. Safe to call twice. */
  drop(): Promise<void>;
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testEnv().databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // Lower-case letters, digits and underscores only: safe to quote as an identifier.
  const name = `tarmac_test_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const ownerRole = `${name}_owner`;
  const appRole = `${name}_app`;
  const ownerPassword = randomBytes(16).toString('hex');
  const appPassword = randomBytes(16).toString('hex');
  await withAdmin(async (client) => {
    await client.query(`CREATE ROLE "${ownerRole}" LOGIN PASSWORD '${ownerPassword}'`);
    await client.query(`CREATE ROLE "${appRole}" LOGIN PASSWORD '${appPassword}'`);
    await client.query(`CREATE DATABASE "${name}" OWNER "${ownerRole}"`);
  });
  const urlAs = (user?: string, password?: string): string => {
    const url = new URL(testEnv().databaseUrl);
    url.pathname = `/${name}`;
    if (user) {
      url.username = user;
      url.password = password!;
    }
    return url.toString();
  };
  const ownerUrl = urlAs(ownerRole, ownerPassword);
  const appUrl = urlAs(appRole, appPassword);
  let dropped = false;
  return {
    url: urlAs(),
    ownerUrl,
    appUrl,
    ownerRole,
    appRole,
    controlPlaneEnv: { DATABASE_URL: appUrl, TARMAC_DATABASE_OWNER_URL: ownerUrl },
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(async (client) => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        // FORCE covers a connection that arrives between the terminate and the drop.
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        // Their grants and default privileges lived in the database, gone with it.
        await client.query(`DROP ROLE IF EXISTS "${appRole}"`);
        await client.query(`DROP ROLE IF EXISTS "${ownerRole}"`);
      });
    },
  };
}

/** Runs one query as the role and on the database `url` names, on a connection of its own. */
export async function queryAt<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

