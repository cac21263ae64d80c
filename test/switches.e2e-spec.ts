// Switches on real containers: three tc hosts (and the preview host) whose web containers
// a real rollout replaced, so each carries the service's config directory. A flip through
// the API reaches every host's container within 5 s, in both directions, and is audited.
import { RolloutFleet, SERVICE_PORT } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const V2 = testEnv().imageV2.split(':').at(-1)!;
const SWITCH = 'new-checkout';

describe('switches on real containers', () => {
  let fleet: RolloutFleet;

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 3 }, preview: 1 });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  async function switchServed(hostname: string): Promise<string | undefined> {
    try {
      const url = `http://${fleet.host(hostname).ns.hostAddress}:${SERVICE_PORT}/tarmac/switches/${SWITCH}`;
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      return response.status === 200 ? (await response.text()).trim() : `HTTP ${response.status}`;
    } catch {
      return undefined;
    }
  }

  async function flip(enabled: boolean) {
    const started = Date.now();
    const { body } = await fleet.api().put(`/api/v1/services/web/switches/${SWITCH}`).set(fleet.auth('otto')).send({ enabled }).expect(200);
    const expected = enabled ? 'on' : 'off';
    for (const host of tcHosts()) {
      await waitFor(async () => (await switchServed(host)) === expected, { description: `${host} serving ${expected}`, timeoutMs: 5_000 - (Date.now() - started), intervalMs: 50 });
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    return body;
  }

  const tcHosts = () => fleet.hosts.filter((h) => h.datacenter === 'tc' && h.pool === 'production').map((h) => h.hostname);

  it('given containers replaced by a rollout, a flip reaches each tc host within 5 s, both ways, audited', async () => {
    // Given: web replaced everywhere by a real rollout, so every container has the mount.
    const id = await fleet.startRollout(await fleet.approvedPlan(V2));
    expect(await fleet.waitForStatus(id, ['succeeded', 'failed', 'paused', 'aborted'])).toMatchObject({ status: 'succeeded' });
    expect(tcHosts()).toHaveLength(3);
    for (const host of tcHosts()) expect(await switchServed(host)).toBe('HTTP 404');

    // When / then: on, then off.
    const on = await flip(true);
    expect(on).toMatchObject({ service: 'web', name: SWITCH, enabled: true, updatedBy: 'otto' });
    expect(on.hosts).toEqual(expect.arrayContaining(tcHosts()));
    await flip(false);

    const { body: listed } = await fleet.api().get('/api/v1/services/web/switches').set(fleet.auth('otto')).expect(200);
    expect(listed).toEqual([expect.objectContaining({ name: SWITCH, enabled: false })]);
    const { body: audit } = await fleet.api().get('/api/v1/audit').set(fleet.auth('admin')).expect(200);
    const entries = audit.filter((e: { action: string }) => e.action === 'switch.set');
    expect(entries).toEqual([
      expect.objectContaining({ actor: 'otto', entityId: `web/${SWITCH}`, before: null, after: expect.objectContaining({ enabled: true }) }),
      expect.objectContaining({ actor: 'otto', entityId: `web/${SWITCH}`, before: { enabled: true }, after: expect.objectContaining({ enabled: false }) }),
    ]);
  }, 180_000);

  it('records a flip on a rollout in progress that releases the service', async () => {
    const planId = await fleet.approvedPlan(V2, { title: 'web v2 again', ramp: { durationSeconds: 600 } });
    const id = await fleet.startRollout(planId);
    expect(await fleet.waitForStatus(id, ['running'])).toMatchObject({ status: 'running' });

    await flip(true);

    const { body: audit } = await fleet.api().get(`/api/v1/audit?plan=${planId}`).set(fleet.auth('admin')).expect(200);
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'rollout.switch-set', entityId: id, planId, actor: 'otto', after: { service: 'web', switch: SWITCH, enabled: true } }),
    );
    await fleet.api().post(`/api/v1/rollouts/${id}/abort`).set(fleet.auth('otto')).send({ reason: 'test over' }).expect(200);
  }, 120_000);

  it('refuses an unknown service (404), a bad name or body (400), and a viewer without the operator role (403)', async () => {
    await fleet.api().put(`/api/v1/services/nope/switches/${SWITCH}`).set(fleet.auth('otto')).send({ enabled: true }).expect(404);
    await fleet.api().put('/api/v1/services/web/switches/Bad.Name').set(fleet.auth('otto')).send({ enabled: true }).expect(400);
    await fleet.api().put(`/api/v1/services/web/switches/${SWITCH}`).set(fleet.auth('otto')).send({ enabled: 'on' }).expect(400);
    await fleet.api().put(`/api/v1/services/web/switches/${SWITCH}`).set(fleet.auth('erin')).send({ enabled: true }).expect(403);
    await fleet.api().get('/api/v1/services/nope/switches').set(fleet.auth('otto')).expect(404);
  });
});
