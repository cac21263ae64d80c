// Rows the release-schedule tests start from, written straight to the database: users
// with roles and API tokens, and plans already approved (their own API and gates are
// tested elsewhere).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashToken } from '../../apps/control-plane/src/common/tokens.js';

const SILENT_SERVICE_SPEC = {
  ports: [{ container: 8080, protocol: 'tcp' }],
  env: {},
  resources: {},
  mounts: [],
  healthCheck: { type: 'http', path: '/', port: 8080, expectStatus: 200, timeoutMs: 1000, intervalMs: 1000 },
};

export class ReleaseFixtures {
  private constructor(private readonly client: pg.Client) {}

  static async connect(databaseUrl: string): Promise<ReleaseFixtures> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new ReleaseFixtures(client);
  }

  /** A user with these roles; returns its id and a fresh API token. */
  async user(name: string, roles: string[]): Promise<{ id: string; token: string }> {
    const token = `tmc_api_${name}_${randomBytes(12).toString('hex')}`;
    const { rows } = await this.client.query(
      `INSERT INTO users (name, roles) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET roles = EXCLUDED.roles RETURNING id`,
      [name, roles],
    );
    await this.client.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'test', $2)`, [rows[0].id, hashToken(token)]);
    return { id: rows[0].id, token };
  }

  /**
   * A plan releasing these services, in this status (default approved). Its rollout can
   * start but never finishes on its own: its one target host has no agent, so the test
   * decides how each rollout ends.
   */
  async plan(authorId: string, services: string[], status = 'approved'): Promise<string> {
    for (const service of services) {
      await this.client.query(
        `INSERT INTO services (name, image_repository, role, spec) VALUES ($1, $2, 'frontend', $3) ON CONFLICT (name) DO NOTHING`,
        [service, `registry.local/${service}`, SILENT_SERVICE_SPEC],
      );
    }
    await this.client.query(
      `INSERT INTO hosts (hostname, datacenter, agent_version, engine, status, connected, last_heartbeat_at, registered_at, updated_at)
       VALUES ('fixture-silent', 'fixture', 'none', '{"name":"none","version":"0","apiVersion":"1.41","status":"reachable"}', 'online', false, now(), now(), now())
       ON CONFLICT (hostname) DO NOTHING`,
    );
    const spec = {
      title: `release ${services.join('+')}`,
      requirementSource: 'fixture',
      description: 'fixture',
      modules: services,
      releases: services.map((service) => ({ service, image: '2' })),
      targetDatacenters: ['fixture'],
      preview: { hosts: { count: 1 }, checks: [] },
      ramp: { durationSeconds: 0, thresholds: {} },
      batch: { size: { count: 1 }, minHealthyPercent: 0, pauseSeconds: 0 },
      autoRollback: false,
      skipUnreachable: false,
      rollback: { steps: [{ services, what: 'code' }], dataCompatibility: { forwardCompatible: true, note: 'fixture' } },
      switches: [],
      plannedLaunchAt: new Date().toISOString(),
    };
    const { rows } = await this.client.query(
      `INSERT INTO plans (title, author_id, status, spec, content_hash, planned_launch_at)
       VALUES ($1, $2, $3, $4, 'test', now()) RETURNING id`,
      [`release ${services.join('+')}`, authorId, status, spec],
    );
    return rows[0].id;
  }

  /**
   * Ends a rollout as the engine would record it (row and decision state together), so
   * the engine, which never touches an ended rollout, leaves it so.
   */
  async finishRollout(rolloutId: string, status: string): Promise<void> {
    await this.client.query(
      `UPDATE rollouts SET status = $2, state = CASE WHEN state IS NULL THEN NULL ELSE jsonb_set(state::jsonb, '{status}', to_jsonb($2::text))::json END
        WHERE id = $1`,
      [rolloutId, status],
    );
  }

  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.client.query<T>(sql, params).then((result) => result.rows);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
