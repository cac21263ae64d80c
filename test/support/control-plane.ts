// A real control plane for end-to-end tests: in this process, on a fresh database of
// the test cluster, listening on an ephemeral loopback port, with a known admin token.
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/app.js';
import type { Clock } from '../../apps/control-plane/src/common/clock.js';
import { loadConfig, type Config } from '../../apps/control-plane/src/config/config.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestControlPlane {
  plane: ControlPlane;
  url: string;
  config: Config;
  adminToken: string;
  database: TestDatabase;
  /** supertest bound to the running server. */
  http(): ReturnType<typeof request>;
  /** Issues an agent token through the API. */
  issueAgentToken(name: string): Promise<{ id: string; token: string }>;
  /**
   * The URL an agent inside a host namespace uses: `http://<gatewayAddress>:<port>`.
   * Needs the plane started with `host: '0.0.0.0'` (127.0.0.1 inside a namespace is that
   * namespace's own loopback); throws otherwise.
   */
  urlFor(ns: { gatewayAddress: string }): string;
  close(): Promise<void>;
}

export interface TestControlPlaneOptions {
  /**
   * Run on this database instead of a fresh one (a restart, or two replicas on one
   * database). The caller owns it: close() then leaves it in place.
   */
  database?: TestDatabase;
  /**
   * Address to listen on (TARMAC_HOST), default 127.0.0.1. '0.0.0.0' makes the plane
   * reachable from host namespaces (test/support/netns.ts) at their gateway address;
   * it then listens on every interface of the machine for as long as it runs.
   * A TARMAC_HOST in `env` wins over this.
   */
  host?: string;
}

export async function startTestControlPlane(
  env: Record<string, string> = {},
  clock?: Clock,
  options: TestControlPlaneOptions = {},
): Promise<TestControlPlane> {
  const database = options.database ?? (await createTestDatabase());
  const adminToken = `tmc_api_test_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    TARMAC_PORT: '0',
    TARMAC_HOST: options.host ?? '127.0.0.1',
    // As production runs: the application's least-privilege role, migrations as the owner.
    ...database.controlPlaneEnv,
    TARMAC_ADMIN_TOKEN: adminToken,
    TARMAC_LOG_LEVEL: 'error',
    ...env,
  });
  const plane = await startControlPlane(config, { clock });
  return {
    plane,
    url: plane.url,
    config,
    adminToken,
    database,
    http: () => request(plane.url),
    async issueAgentToken(name) {
      const response = await request(plane.url)
        .post('/api/v1/agent-tokens')
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ name })
        .expect(201);
      return response.body as { id: string; token: string };
    },
    urlFor(ns) {
      if (config.host !== '0.0.0.0' && config.host !== ns.gatewayAddress) {
        throw new Error(
          `the test control plane listens on ${config.host}, which a host namespace cannot reach: ` +
            `start it with startTestControlPlane(env, clock, { host: '0.0.0.0' })`,
        );
      }
      return `http://${ns.gatewayAddress}:${new URL(plane.url).port}`;
    },
    async close() {
      await plane.close();
      if (!options.database) await database.drop();
    },
  };
}
