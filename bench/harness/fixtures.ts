// Rows the bench writes straight into its own database, because issuing them through
// the API would dominate the run (POST /api/v1/agent-tokens N times): agent tokens
// (stored as hashToken(token), as the control plane stores them), an operator with an
// API token, a service, and an approved plan. Everything measured goes through the
// control plane's real handshake, gateways and rollout engine.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { hashToken } from '../../apps/control-plane/src/common/tokens.js';
import type { PlanSpecInput } from '../../libs/protocol/src/index.js';

export interface AgentIdentity {
  hostname: string;
  token: string;
}

export interface ServiceFixture {
  name: string;
  imageRepository: string;
  port: number;
}

export class BenchFixtures {
  private constructor(private readonly client: pg.Client) {}

  static async connect(databaseUrl: string): Promise<BenchFixtures> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new BenchFixtures(client);
  }

  /** N agent tokens, inserted in one statement; the first handshake binds each to its hostname. */
  async agentTokens(count: number, prefix = 'bench'): Promise<AgentIdentity[]> {
    const agents = Array.from({ length: count }, (_, i) => ({
      hostname: `${prefix}-${String(i + 1).padStart(5, '0')}`,
      token: `tmc_agent_${randomBytes(32).toString('base64url')}`,
    }));
    for (let i = 0; i < agents.length; i += 5000) {
      const slice = agents.slice(i, i + 5000);
      await this.client.query(`INSERT INTO agent_tokens (name, token_hash) SELECT * FROM unnest($1::text[], $2::text[])`, [
        slice.map((a) => a.hostname),
        slice.map((a) => hashToken(a.token)),
      ]);
    }
    return agents;
  }

  /** A user with these roles and a fresh API token. */
  async user(name: string, roles: string[]): Promise<{ id: string; token: string }> {
    const token = `tmc_api_${name}_${randomBytes(16).toString('hex')}`;
    const { rows } = await this.client.query(
      `INSERT INTO users (name, roles) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET roles = EXCLUDED.roles RETURNING id`,
      [name, roles],
    );
    await this.client.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'bench', $2)`, [rows[0].id, hashToken(token)]);
    return { id: rows[0].id, token };
  }

  async service(service: ServiceFixture): Promise<void> {
    const spec = {
      ports: [{ container: service.port, protocol: 'tcp' }],
      env: { PORT: String(service.port) },
      resources: {},
      mounts: [],
      healthCheck: { type: 'http', path: '/', port: service.port, expectStatus: 200, timeoutMs: 500, intervalMs: 500 },
    };
    await this.client.query(`INSERT INTO services (name, image_repository, role, spec) VALUES ($1, $2, 'frontend', $3)`, [
      service.name,
      service.imageRepository,
      spec,
    ]);
  }

  /**
   * An approved plan releasing `image` (a tag) of `service` to `datacenter`. Its own gates
   * and approvals are tested elsewhere; here it only has to be startable.
   */
  async approvedPlan(authorId: string, service: string, image: string, datacenter: string, overrides: Partial<PlanSpecInput> = {}): Promise<string> {
    const spec = {
      title: `bench ${service} ${image}`,
      requirementSource: 'bench',
      description: 'benchmark plan',
      modules: [service],
      releases: [{ service, image }],
      targetDatacenters: [datacenter],
      preview: { hosts: { count: 1 }, checks: [] },
      ramp: { durationSeconds: 0, thresholds: {} },
      batch: { size: { percent: 100 }, minHealthyPercent: 0, pauseSeconds: 0 },
      autoRollback: false,
      skipUnreachable: false,
      rollback: { steps: [{ services: [service], what: 'code' }], dataCompatibility: { forwardCompatible: true, note: 'bench' } },
      switches: [],
      plannedLaunchAt: new Date().toISOString(),
      ...overrides,
    };
    const { rows } = await this.client.query(
      `INSERT INTO plans (title, author_id, status, spec, content_hash, planned_launch_at) VALUES ($1, $2, 'approved', $3, 'bench', now()) RETURNING id`,
      [spec.title, authorId, spec],
    );
    return rows[0].id;
  }

  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.client.query<T>(sql, params).then((result) => result.rows);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
