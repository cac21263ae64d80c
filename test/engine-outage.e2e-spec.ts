// The container engine under an agent goes away and comes back: the host stays online,
// its heartbeats say `engine: unreachable`, and it recovers on its own. An agent whose
// engine is unreachable at start exits with a clear message.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SocketRelay } from '../apps/agent/src/testing/socket-relay.js';
import { startAgent } from './support/agents.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { removeTestContainers, startManagedContainer } from './support/engine.js';
import { killAll } from './support/processes.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const HOST = `outage-${process.pid}`;

describe('engine outage under a running agent', () => {
  let cp: TestControlPlane;
  let dir: string;
  let relay: SocketRelay;

  const host = async () =>
    (await cp.http().get(`/api/v1/hosts/${HOST}`).set('Authorization', `Bearer ${cp.adminToken}`)).body;

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_HEARTBEAT_INTERVAL_MS: '250', TARMAC_AGENT_GRACE_MS: '3000' });
    dir = await mkdtemp(join(tmpdir(), 'tarmac-outage-'));
    relay = new SocketRelay(join(dir, 'engine.sock'), testEnv().engineSocket);
    await relay.up();
    await startManagedContainer({ hostname: HOST, name: `${HOST}-web`, image: testEnv().imageV1, port: 18191 });
  });

  afterAll(async () => {
    await killAll();
    await relay?.down();
    await removeTestContainers();
    await cp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the engine unreachable while it is gone and recovers when it is back', async () => {
    const { token } = await cp.issueAgentToken(HOST);
    startAgent({ server: cp.url, token, hostname: HOST, datacenter: 'tc', engineSocket: relay.path });
    await waitFor(async () => (await host()).containers?.length === 1, { description: 'host registered with its container', timeoutMs: 20_000 });

    await relay.down();
    const down = await waitFor(async () => ((await host()).engine.status === 'unreachable' ? host() : undefined), {
      description: 'engine reported unreachable',
    });
    expect(down).toMatchObject({ status: 'online', connected: true });
    expect(down.containers).toHaveLength(1);

    await relay.up();
    await waitFor(async () => (await host()).engine.status === 'reachable', { description: 'engine reachable again' });
    expect((await host()).containers[0]).toMatchObject({ name: `${HOST}-web`, state: 'running' });
  });

  it('exits at start with a clear message when the engine cannot be reached', async () => {
    const { token } = await cp.issueAgentToken('no-engine');
    const missing = join(dir, 'nothing-here.sock');
    const agent = startAgent({ server: cp.url, token, hostname: `${HOST}-none`, datacenter: 'tc', engineSocket: missing });
    expect((await agent.exited).code).toBe(1);
    expect(agent.stderr).toContain(`tarmac-agent: cannot reach the container engine at ${missing}`);
  });
});
