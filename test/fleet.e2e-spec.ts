// Given a control plane on real PostgreSQL and three real agents on a real Podman engine,
// hosts register with what Podman runs for them, a killed agent turns unreachable and
// comes back, and a dashboard sees every transition in order with no gap.
import type { HostChange, HostView } from '../libs/protocol/src/index.js';
import { startAgent } from './support/agents.js';
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { removeTestContainers, startManagedContainer, testEngine } from './support/engine.js';
import { killAll, type ProcessHandle } from './support/processes.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const PREFIX = `fleet-${process.pid}`;
const HOSTS = [
  { hostname: `${PREFIX}-tc1`, datacenter: 'tc', port: 18181 },
  { hostname: `${PREFIX}-tc2`, datacenter: 'tc', port: 18182 },
  { hostname: `${PREFIX}-yf1`, datacenter: 'yf', port: 18183 },
];

describe('a fleet of agents on a real engine', () => {
  let cp: TestControlPlane;
  let dashboard: DashboardClient;
  const agents = new Map<string, ProcessHandle>();
  const tokens = new Map<string, string>();

  const hosts = async (query = ''): Promise<HostView[]> =>
    (await cp.http().get(`/api/v1/hosts${query}`).set('Authorization', `Bearer ${cp.adminToken}`).expect(200)).body;

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_HEARTBEAT_INTERVAL_MS: '250', TARMAC_AGENT_GRACE_MS: '1500' });
    dashboard = await connectDashboard(cp.url, cp.adminToken);
    for (const host of HOSTS) {
      await startManagedContainer({
        hostname: host.hostname,
        name: `${host.hostname}-web`,
        image: testEnv().imageV1,
        port: host.port,
      });
      tokens.set(host.hostname, (await cp.issueAgentToken(host.hostname)).token);
      agents.set(host.hostname, startAgent({ server: cp.url, token: tokens.get(host.hostname)!, ...host, labels: { rack: 'r1' } }));
    }
  });

  afterAll(async () => {
    dashboard?.close();
    await killAll();
    await removeTestContainers();
    await cp?.close();
  });

  it('registers every host with the containers Podman runs for it', async () => {
    await waitFor(async () => (await hosts('?status=online')).length === 3, { description: 'three hosts online', timeoutMs: 20_000 });
    const listed = await hosts();
    const running = await testEngine().listContainers({ all: true, filters: { label: ['tarmac.managed=true'] } });
    for (const host of HOSTS) {
      const view = listed.find((h) => h.hostname === host.hostname)!;
      const expected = running.filter((c) => c.Labels['tarmac.host'] === host.hostname);
      expect(view).toMatchObject({ datacenter: host.datacenter, status: 'online', connected: true, labels: { rack: 'r1' } });
      expect(view.engine).toMatchObject({ status: 'reachable', name: expect.stringMatching(/podman/i) });
      expect(view.containers).toEqual(
        expected.map((c) => ({ id: c.Id, name: c.Names[0].replace(/^\//, ''), image: c.Image, state: 'running' })),
      );
    }
    expect((await hosts('?datacenter=tc')).map((h) => h.hostname)).toEqual([HOSTS[0].hostname, HOSTS[1].hostname]);
    const one = await cp.http().get(`/api/v1/hosts/${HOSTS[2].hostname}`).set('Authorization', `Bearer ${cp.adminToken}`).expect(200);
    expect(one.body).toMatchObject({ hostname: HOSTS[2].hostname, datacenter: 'yf', lastHeartbeatAt: expect.any(String) });
  });

  it('sees a container the agent manages change state on the next heartbeat', async () => {
    const [host] = HOSTS;
    await testEngine().getContainer(`${host.hostname}-web`).stop({ t: 1 });
    const change = await dashboard.waitForChange(`${host.hostname} reporting its container exited`, (c) =>
      c.host.hostname === host.hostname && c.host.containers.some((container) => container.state === 'exited'),
    );
    expect(change.host.status).toBe('online');
  });

  it('marks a SIGKILLed agent unreachable after the grace period and online again when it restarts', async () => {
    const victim = HOSTS[1];
    await agents.get(victim.hostname)!.kill('SIGKILL');
    const isVictim = (change: HostChange) => change.host.hostname === victim.hostname;

    await dashboard.waitForChange('victim disconnected', (c, type) => isVictim(c) && type === 'host:disconnected');
    const unreachable = await dashboard.waitForChange('victim unreachable', (c) => isVictim(c) && c.host.status === 'unreachable');
    const silentFor = Date.parse(unreachable.host.updatedAt) - Date.parse(unreachable.host.lastHeartbeatAt);
    expect(silentFor).toBeGreaterThanOrEqual(cp.config.agentGraceMs);
    expect((await hosts('?status=unreachable')).map((h) => h.hostname)).toEqual([victim.hostname]);

    agents.set(victim.hostname, startAgent({ server: cp.url, token: tokens.get(victim.hostname)!, ...victim }));
    await dashboard.waitForChange(
      'victim back online',
      (c, type) => isVictim(c) && c.seq > unreachable.seq && type === 'host:connected' && c.host.status === 'online',
    );

    const victimChanges = dashboard.changes().filter((r) => isVictim(r.payload));
    const transitions = victimChanges.map((r) => `${r.type}:${r.payload.host.status}`);
    const killedAt = transitions.indexOf('host:disconnected:online');
    expect(transitions.slice(killedAt)).toEqual(['host:disconnected:online', 'host:updated:unreachable', 'host:connected:online']);
    // The other agents never noticed.
    expect((await hosts('?status=online')).length).toBe(3);
  });

  it('delivered every change once, in order, with no gap after the snapshot', () => {
    const [snapshot, ...rest] = dashboard.received;
    expect(snapshot.type).toBe('hosts:snapshot');
    const seqs = rest.map((r) => r.payload.seq);
    expect(seqs.length).toBeGreaterThan(5);
    expect(seqs).toEqual(seqs.map((_, i) => snapshot.payload.seq + 1 + i));
  });

  it('replays what a reconnecting dashboard missed, from the sequence it last saw', async () => {
    const seqs = dashboard.changes().map((r) => r.payload.seq);
    const resumeFrom = seqs[2];
    const resumed = await connectDashboard(cp.url, cp.adminToken, resumeFrom);
    try {
      await waitFor(() => resumed.received.length >= seqs.length - 3, { description: 'replayed events' });
      expect(resumed.received.every((r) => r.type !== 'hosts:snapshot')).toBe(true);
      expect(resumed.received.slice(0, seqs.length - 3).map((r) => r.payload.seq)).toEqual(seqs.slice(3));
    } finally {
      resumed.close();
    }
  });
});
