// A fleet for rollout end-to-end tests: a control plane as its own process (so it can
// be SIGKILLed and restarted on the same address), hosts in network namespaces each
// with a real agent and a v1 container on the same port, a service, datacenters, the
// people who sign gates, and approved plans made through the API.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import type { PlanSpecInput } from '../../libs/protocol/src/index.js';
import { startAgentInNamespace, type NamespacedAgent } from './agents.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { ensureImage, testEngine } from './engine.js';
import { createHostNamespaces, removeHostNamespaces, type HostNamespace } from './netns.js';
import { spawnProcess, type ProcessHandle } from './processes.js';
import { testEnv } from './test-env.js';
import { waitFor } from './wait.js';

const MAIN = fileURLToPath(new URL('../../dist/apps/control-plane/src/main.js', import.meta.url));
export const SERVICE_PORT = 18080;
const PEOPLE = { erin: 'engineer', rita: 'reviewer', quinn: 'qa', sam: 'supervisor', dora: 'dispatcher', otto: 'operator' } as const;

export interface FleetHost {
  hostname: string;
  datacenter: string;
  pool: 'preview' | 'production';
  ns: HostNamespace;
  agent?: NamespacedAgent;
}

export interface RolloutFleetOptions {
  /** Host counts per datacenter, in rollout order; the first datacenter also gets `preview` preview hosts. */
  datacenters: Record<string, number>;
  preview: number;
  /** The control plane's environment, on top of the fleet's. */
  env?: Record<string, string>;
  /** More flags for every agent. */
  agentArgs?: string[];
}

export class RolloutFleet {
  readonly adminToken = `tmc_api_fleet_${randomBytes(16).toString('hex')}`;
  readonly tokens: Record<string, string> = {};
  readonly hosts: FleetHost[] = [];
  controlPlane?: ProcessHandle;
  private agentTokens = new Map<string, string>();

  private constructor(
    readonly database: TestDatabase,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly agentArgs: string[],
  ) {}

  static async start(options: RolloutFleetOptions): Promise<RolloutFleet> {
    const fleet = new RolloutFleet(await createTestDatabase(), await freePort(), options.env ?? {}, options.agentArgs ?? []);
    try {
      await fleet.setUp(options);
      return fleet;
    } catch (error) {
      await fleet.close().catch(() => undefined);
      throw error;
    }
  }

  private async setUp(options: RolloutFleetOptions): Promise<void> {
    const fleet = this;
    await fleet.startControlPlane();
    const names = Object.entries(options.datacenters).flatMap(([datacenter, count], d) => [
      ...(d === 0 ? Array.from({ length: options.preview }, (_, i) => ({ datacenter, pool: 'preview' as const, suffix: `p${i + 1}` })) : []),
      ...Array.from({ length: count }, (_, i) => ({ datacenter, pool: 'production' as const, suffix: `${i + 1}` })),
    ]);
    const namespaces = await createHostNamespaces(names.length, 'tr');
    const prefix = `r${process.pid}`;
    names.forEach((entry, i) => fleet.hosts.push({ hostname: `${prefix}-${entry.datacenter}-${entry.suffix}`, datacenter: entry.datacenter, pool: entry.pool, ns: namespaces[i]! }));
    await fleet.setUpCatalogue(Object.keys(options.datacenters));
    await Promise.all(fleet.hosts.map((host) => fleet.runV1(host)));
    for (const host of fleet.hosts) fleet.startAgent(host.hostname);
    await waitFor(async () => (await fleet.api().get('/api/v1/hosts?status=online').set(fleet.auth('admin'))).body.length === fleet.hosts.length, {
      description: 'every agent online',
      timeoutMs: 30_000,
    });
    for (const host of fleet.hosts.filter((h) => h.pool === 'preview')) {
      await fleet.api().put(`/api/v1/hosts/${host.hostname}`).set(fleet.auth('admin')).send({ pool: 'preview' }).expect(200);
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  api() {
    return request(this.url);
  }

  auth(user: string): { Authorization: string } {
    return { Authorization: `Bearer ${user === 'admin' ? this.adminToken : this.tokens[user]}` };
  }

  host(hostname: string): FleetHost {
    const host = this.hosts.find((h) => h.hostname === hostname);
    if (!host) throw new Error(`no host ${hostname}`);
    return host;
  }

  async startControlPlane(): Promise<void> {
    this.controlPlane = spawnProcess(process.execPath, [MAIN], {
      env: {
        ...this.database.controlPlaneEnv,
        TARMAC_PORT: String(this.port),
        TARMAC_HOST: '0.0.0.0',
        TARMAC_ADMIN_TOKEN: this.adminToken,
        TARMAC_HEARTBEAT_INTERVAL_MS: '500',
        TARMAC_AGENT_GRACE_MS: '4000',
        TARMAC_DRAIN_WAIT_MS: '300',
        TARMAC_STEP_TIMEOUT_MS: '60000',
        TARMAC_LOG_LEVEL: 'warn',
        ...this.env,
      },
    });
    await this.controlPlane.waitForOutput(/listening on/, 30_000);
  }

  /** SIGKILL, as the OOM killer would: no shutdown of any kind. */
  async killControlPlane(): Promise<void> {
    await this.controlPlane?.kill('SIGKILL');
  }

  startAgent(hostname: string): NamespacedAgent {
    const host = this.host(hostname);
    host.agent = startAgentInNamespace(host.ns, {
      server: `http://${host.ns.gatewayAddress}:${this.port}`,
      token: this.agentTokens.get(hostname)!,
      hostname,
      datacenter: host.datacenter,
      extraArgs: this.agentArgs,
    });
    return host.agent;
  }

  /** The agent's journal: one object per line (started, finished, reported). */
  journal(hostname: string): { event: string; key: string; type?: string; outcome?: string; at?: string }[] {
    const text = readFileSync(join(this.host(hostname).agent!.stateDir, 'commands.jsonl'), 'utf8');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  /** What a host serves on the service port, asked from the root namespace. */
  async serves(hostname: string): Promise<string | undefined> {
    try {
      const response = await fetch(`http://${this.host(hostname).ns.hostAddress}:${SERVICE_PORT}/`, { signal: AbortSignal.timeout(2000) });
      return (await response.text()).trim();
    } catch {
      return undefined;
    }
  }

  /** The web containers of a host, by name, with their state. */
  async containers(hostname: string): Promise<{ name: string; state: string; release: string }[]> {
    const list = await testEngine().listContainers({ all: true, filters: { label: [`tarmac.host=${hostname}`, 'tarmac.service=web'] } });
    return list
      .map((c) => ({ name: c.Names[0]!.replace(/^\//, ''), state: c.State, release: c.Labels['tarmac.release'] ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A plan releasing `image` of web to every datacenter, through its four gates. */
  async approvedPlan(image: string, overrides: Partial<PlanSpecInput> = {}): Promise<string> {
    const spec: PlanSpecInput = {
      title: `web ${image}`,
      requirementSource: 'e2e',
      description: 'rollout end-to-end test',
      modules: ['web'],
      releases: [{ service: 'web', image }],
      targetDatacenters: [...new Set(this.hosts.map((h) => h.datacenter))],
      preview: { hosts: { count: this.hosts.filter((h) => h.pool === 'preview').length || 1 }, checks: [{ name: 'page', type: 'http', path: '/', expectStatus: 200 }] },
      ramp: { durationSeconds: 0 },
      batch: { size: { count: 2 }, minHealthyPercent: 50, pauseSeconds: 0 },
      autoRollback: false,
      rollback: { steps: [{ services: ['web'], what: 'code' }], dataCompatibility: { forwardCompatible: true, note: 'static pages' } },
      plannedLaunchAt: '2030-01-10T10:00:00Z',
      ...overrides,
    };
    const { body: plan } = await this.api().post('/api/v1/plans').set(this.auth('erin')).send(spec).expect(201);
    await this.api().post(`/api/v1/plans/${plan.id}/review-request`).set(this.auth('erin')).expect(200);
    for (const [user, gate] of [['rita', 'code_review'], ['quinn', 'qa'], ['sam', 'supervisor'], ['dora', 'dispatcher']] as const) {
      await this.api().post(`/api/v1/plans/${plan.id}/gates/${gate}`).set(this.auth(user)).send({ decision: 'approve' }).expect(200);
    }
    return plan.id;
  }

  async startRollout(planId: string): Promise<string> {
    const { body } = await this.api().post('/api/v1/rollouts').set(this.auth('otto')).send({ planId }).expect(201);
    return body.id;
  }

  async rollout(id: string) {
    return (await this.api().get(`/api/v1/rollouts/${id}`).set(this.auth('otto')).expect(200)).body;
  }

  async waitForStatus(id: string, statuses: string[], timeoutMs = 120_000) {
    return waitFor(
      async () => {
        const rollout = await this.rollout(id);
        return statuses.includes(rollout.status) ? rollout : undefined;
      },
      { description: `rollout ${id} ${statuses.join(' or ')}`, timeoutMs, intervalMs: 250 },
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((host) => host.agent?.kill('SIGTERM')));
    await this.controlPlane?.kill('SIGTERM');
    const docker = testEngine();
    for (const host of this.hosts) {
      const list = await docker.listContainers({ all: true, filters: { label: [`tarmac.host=${host.hostname}`] } });
      await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
    await removeHostNamespaces(this.hosts.map((host) => host.ns));
    await this.database.drop();
  }

  private async setUpCatalogue(datacenters: string[]): Promise<void> {
    const admin = this.auth('admin');
    for (const [name, role] of Object.entries(PEOPLE)) {
      await this.api().post('/api/v1/users').set(admin).send({ name, roles: [role] }).expect(201);
      this.tokens[name] = (await this.api().post(`/api/v1/users/${name}/tokens`).set(admin).send({ name: 'e2e' }).expect(201)).body.token;
    }
    for (const [i, name] of datacenters.entries()) {
      await this.api().post('/api/v1/datacenters').set(admin).send({ name, rolloutOrder: i + 1 }).expect(201);
    }
    const repository = testEnv().imageV1.replace(/:[^:/]+$/, '');
    await this.api()
      .post('/api/v1/services')
      .set(admin)
      .send({
        name: 'web',
        role: 'frontend',
        imageRepository: repository,
        container: {
          ports: [{ container: SERVICE_PORT }],
          env: { PORT: String(SERVICE_PORT) },
          healthCheck: { type: 'http', path: '/', port: SERVICE_PORT, timeoutMs: 500, intervalMs: 500 },
        },
      })
      .expect(201);
    for (const host of this.hosts) this.agentTokens.set(host.hostname, (await this.api().post('/api/v1/agent-tokens').set(admin).send({ name: host.hostname }).expect(201)).body.token);
  }

  /** What the host runs before any rollout: web v1, started as an earlier deploy would have. */
  private async runV1(host: FleetHost): Promise<void> {
    const image = testEnv().imageV1;
    await ensureImage(image);
    const container = await testEngine().createContainer({
      name: `${host.hostname}-web-v1`,
      Image: image,
      Env: [`PORT=${SERVICE_PORT}`],
      Labels: { 'tarmac.managed': 'true', 'tarmac.host': host.hostname, 'tarmac.service': 'web', 'tarmac.release': 'v1', 'tarmac.test': 'true' },
      HostConfig: { NetworkMode: `ns:${host.ns.netnsPath}`, Init: true },
    });
    await container.start();
    await waitFor(async () => (await this.serves(host.hostname)) === 'v1', { description: `${host.hostname} serving v1`, timeoutMs: 15_000 });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '0.0.0.0', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
