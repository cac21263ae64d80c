// Datacenter traffic shifts on real agents: two datacenters of two hosts each, every host
// a network namespace with a real agent whose load balancer endpoint answers on the
// host's address. Draining tc through the API turns each tc host's /lb/web to 503 while
// yf's stays 200; the last serving datacenter cannot be drained; a restore brings tc
// back; the audit log keeps the reasons; the CLI does the same from a terminal.
import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NAMESPACE_AGENT_LB_PORT } from './support/agents.js';
import { spawnProcess } from './support/processes.js';
import { RolloutFleet } from './support/rollout-fleet.js';
import { waitFor } from './support/wait.js';

const CLI = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));

describe('datacenter traffic shift on real agents', () => {
  let fleet: RolloutFleet;

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 2, yf: 2 }, preview: 0 });
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  const hostsOf = (datacenter: string) => fleet.hosts.filter((h) => h.datacenter === datacenter).map((h) => h.hostname);

  /** What the load balancer sees: the HTTP status of the agent's GET /lb/web, asked from the root namespace. */
  async function lb(hostname: string): Promise<number | undefined> {
    try {
      const response = await fetch(`http://${fleet.host(hostname).ns.hostAddress}:${NAMESPACE_AGENT_LB_PORT}/lb/web`, { signal: AbortSignal.timeout(1000) });
      return response.status;
    } catch {
      return undefined;
    }
  }

  async function lbOf(datacenter: string): Promise<(number | undefined)[]> {
    return Promise.all(hostsOf(datacenter).map(lb));
  }

  async function waitForLb(datacenter: string, status: number): Promise<void> {
    await waitFor(async () => (await lbOf(datacenter)).every((s) => s === status), { description: `${datacenter} hosts answering ${status} on /lb/web`, timeoutMs: 10_000, intervalMs: 50 });
  }

  const put = (datacenter: string, body: object, user = 'otto') => fleet.api().put(`/api/v1/services/web/traffic/${datacenter}`).set(fleet.auth(user)).send(body);
  const traffic = async () => (await fleet.api().get('/api/v1/services/web/traffic').set(fleet.auth('erin')).expect(200)).body;

  async function tarmac(args: string[]) {
    const child = spawnProcess(process.execPath, [CLI, ...args, '--server', fleet.url, '--token', fleet.tokens.otto!], { env: { TARMAC_SERVER: undefined, TARMAC_TOKEN: undefined, NO_COLOR: '1' } });
    const { code } = await child.exited;
    return { code, stdout: child.stdout, stderr: child.stderr };
  }

  it('drains tc (503 there, 200 in yf), refuses to drain yf too, restores tc; audited with the reasons', async () => {
    // Given: every datacenter serves.
    expect(await traffic()).toEqual([
      { service: 'web', datacenter: 'tc', serving: true, reason: null, changedBy: null, changedAt: null, hosts: hostsOf('tc').sort() },
      { service: 'web', datacenter: 'yf', serving: true, reason: null, changedBy: null, changedAt: null, hosts: hostsOf('yf').sort() },
    ]);
    expect([...(await lbOf('tc')), ...(await lbOf('yf'))]).toEqual([200, 200, 200, 200]);

    // When: otto drains tc.
    const { body: drained } = await put('tc', { serving: false, reason: 'tc network maintenance' }).expect(200);
    expect(drained).toMatchObject({ datacenter: 'tc', serving: false, reason: 'tc network maintenance', changedBy: 'otto', changed: true });

    // Then: tc's hosts report drained to the load balancer, yf's keep serving.
    await waitForLb('tc', 503);
    expect(await lbOf('yf')).toEqual([200, 200]);

    // Draining yf now would leave web no serving datacenter: 409, and nothing changes.
    const refused = await put('yf', { serving: false, reason: 'yf too' }).expect(409);
    expect(refused.body).toMatchObject({ error: 'LAST_SERVING_DATACENTER', message: expect.stringMatching(/\byf\b.*\bweb\b/) });
    expect((await traffic()).map((e: { datacenter: string; serving: boolean }) => [e.datacenter, e.serving])).toEqual([['tc', false], ['yf', true]]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await lbOf('yf')).toEqual([200, 200]);

    // A tc host whose agent lost its state (a rebuilt machine) comes back drained: at its
    // registration the control plane sees the drain is not in its journal and sends it again.
    const rebuilt = fleet.host(hostsOf('tc')[0]!);
    await rebuilt.agent!.kill('SIGTERM');
    rmSync(rebuilt.agent!.stateDir, { recursive: true, force: true });
    mkdirSync(rebuilt.agent!.stateDir);
    fleet.startAgent(rebuilt.hostname);
    await waitFor(async () => (await lb(rebuilt.hostname)) !== undefined, { description: 'the rebuilt agent answering', timeoutMs: 15_000, intervalMs: 50 });
    await waitForLb('tc', 503);

    // Asking again for what tc already is: 200, nothing sent, nothing audited.
    const { body: again } = await put('tc', { serving: false, reason: 'again' }).expect(200);
    expect(again).toMatchObject({ serving: false, reason: 'tc network maintenance', changed: false });

    // When: otto restores tc. Then: it serves again.
    await put('tc', { serving: true, reason: 'maintenance over' }).expect(200);
    await waitForLb('tc', 200);
    expect(await lbOf('yf')).toEqual([200, 200]);

    const { body: audit } = await fleet.api().get('/api/v1/audit').set(fleet.auth('admin')).expect(200);
    const shifts = audit.filter((e: { action: string }) => e.action.startsWith('traffic.'));
    expect(shifts).toEqual([
      expect.objectContaining({ action: 'traffic.drained', actor: 'otto', entityId: 'web/tc', reason: 'tc network maintenance', before: { serving: true } }),
      expect.objectContaining({ action: 'traffic.restored', actor: 'otto', entityId: 'web/tc', reason: 'maintenance over', before: { serving: false } }),
    ]);
  }, 60_000);

  it('lets only one of two concurrent drains of the last two serving datacenters through', async () => {
    const [tc, yf] = await Promise.all([put('tc', { serving: false, reason: 'race a' }), put('yf', { serving: false, reason: 'race b' })]);
    expect([tc.status, yf.status].sort()).toEqual([200, 409]);
    const drainedOne = tc.status === 200 ? 'tc' : 'yf';
    const other = drainedOne === 'tc' ? 'yf' : 'tc';
    await waitForLb(drainedOne, 503);
    expect(await lbOf(other)).toEqual([200, 200]);
    await put(drainedOne, { serving: true, reason: 'race over' }).expect(200);
    await waitForLb(drainedOne, 200);
  }, 60_000);

  it('refuses a user without the operator role (403), unknown names (404) and bad bodies (400)', async () => {
    await put('tc', { serving: false, reason: 'not mine' }, 'erin').expect(403);
    const service = await fleet.api().put('/api/v1/services/nope/traffic/tc').set(fleet.auth('otto')).send({ serving: false, reason: 'x' }).expect(404);
    expect(service.body).toMatchObject({ error: 'SERVICE_NOT_FOUND', message: 'service "nope" not found' });
    expect((await put('zz', { serving: false, reason: 'x' }).expect(404)).body).toMatchObject({ error: 'DATACENTER_NOT_FOUND', message: 'datacenter "zz" not found' });
    await fleet.api().post('/api/v1/datacenters').set(fleet.auth('admin')).send({ name: 'gz', rolloutOrder: 3 }).expect(201);
    expect((await put('gz', { serving: false, reason: 'x' }).expect(404)).body).toMatchObject({ error: 'DATACENTER_HAS_NO_HOSTS' });
    await fleet.api().get('/api/v1/services/nope/traffic').set(fleet.auth('otto')).expect(404);
    await put('tc', { serving: false }).expect(400);
    await put('tc', { serving: false, reason: '  ' }).expect(400);
    await put('tc', { serving: 'no', reason: 'x' }).expect(400);
    expect((await traffic()).every((e: { serving: boolean }) => e.serving)).toBe(true);
  });

  it('from the CLI: show, drain, a refused drain (exit 1), restore, and a missing --reason (exit 2)', async () => {
    const drain = await tarmac(['traffic', 'drain', 'web', 'yf', '--reason', 'yf power work']);
    expect(drain).toMatchObject({ code: 0, stdout: 'yf drained for web on 2 host(s)\n' });
    await waitForLb('yf', 503);

    const shown = await tarmac(['traffic', 'show', 'web']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^DATACENTER\s+STATE\s+HOSTS\s+CHANGED\s+BY\s+REASON\ntc\s+serving\s+2\s+\S+\s+otto\s+(race over|maintenance over)\n/);
    expect(shown.stdout).toMatch(/^yf\s+drained\s+2\s+\S+\s+otto\s+yf power work$/m);
    const json = JSON.parse((await tarmac(['traffic', 'show', 'web', '--json'])).stdout);
    expect(json.map((e: { datacenter: string; serving: boolean }) => [e.datacenter, e.serving])).toEqual([['tc', true], ['yf', false]]);

    const refused = await tarmac(['traffic', 'drain', 'web', 'tc', '-m', 'both?']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: LAST_SERVING_DATACENTER: draining tc would leave web/);

    expect((await tarmac(['traffic', 'restore', 'web', 'yf'])).code).toBe(2);
    expect(await tarmac(['traffic', 'restore', 'web', 'yf', '--reason', 'done'])).toMatchObject({ code: 0, stdout: 'yf serving for web on 2 host(s)\n' });
    await waitForLb('yf', 200);
  }, 60_000);

  it('brings a host an operator moves in line with its new datacenter at once: drained in tc, serving again back in yf', async () => {
    await put('tc', { serving: false, reason: 'moving hosts' }).expect(200);
    await waitForLb('tc', 503);
    const mover = hostsOf('yf')[1]!;
    expect(await lb(mover)).toBe(200);
    const move = (datacenter: string) => fleet.api().put(`/api/v1/hosts/${mover}`).set(fleet.auth('otto')).send({ datacenter }).expect(200);

    // Its agent stays connected: the drain comes with the move, not at a next registration.
    await move('tc');
    expect((await traffic()).find((e: { datacenter: string }) => e.datacenter === 'tc').hosts).toContain(mover);
    await waitFor(async () => (await lb(mover)) === 503, { description: `${mover} drained in tc`, timeoutMs: 10_000, intervalMs: 50 });

    // Back in serving yf, it serves again, though tc is still drained.
    await move('yf');
    await waitFor(async () => (await lb(mover)) === 200, { description: `${mover} serving in yf`, timeoutMs: 10_000, intervalMs: 50 });
    expect(await lbOf('tc')).toEqual([503, 503]);

    await put('tc', { serving: true, reason: 'moves done' }).expect(200);
    await waitForLb('tc', 200);
  }, 60_000);
});
