// Helpers for tests of the REST API: users with tokens made through the API itself,
// and direct reads of the test database to check what a request wrote (or did not).
import pg from 'pg';
import type { TestControlPlane } from './control-plane.js';
import { queryAt } from './database.js';

/** Creates a user through the admin API and issues them a token; returns the token. */
export async function createUserWithToken(cp: TestControlPlane, name: string, roles: string[]): Promise<string> {
  const admin = `Bearer ${cp.adminToken}`;
  await cp.http().post('/api/v1/users').set('Authorization', admin).send({ name, roles }).expect(201);
  const issued = await cp.http().post(`/api/v1/users/${name}/tokens`).set('Authorization', admin).send({ name: 'tests' }).expect(201);
  return issued.body.token as string;
}

/** Runs one query on the control plane's database, on a connection of its own. */
export function queryDatabase<T extends pg.QueryResultRow = Record<string, unknown>>(
  // Only its database, so a control plane run as a child process (spawned-control-plane.ts) fits too.
  cp: Pick<TestControlPlane, 'database'>,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return queryAt<T>(cp.database.url, sql, params);
}

/** Row counts of the given tables, to show that a refused request wrote nothing. */
export async function rowCounts(cp: TestControlPlane, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await queryDatabase<{ count: number }>(cp, `SELECT count(*)::int AS count FROM ${table}`);
    counts[table] = row!.count;
  }
  return counts;
}
