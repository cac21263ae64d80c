// Judgment and ordered rollback on real containers (issue 5's acceptance): hosts in
// network namespaces with real agents reporting signals read from their containers'
// access logs, test traffic sent to every host, and:
// - a release answering 500 to half its requests fails the ramp judgment and is rolled
//   back on its own, with the figures in the audit log and every step on the dashboard;
// - a ramp without traffic is inconclusive and pauses;
// - a processor and a frontend rolled back "config before code, processors before
//   frontends", as the agents' journals show;
// - the refusals: a superseded rollout, unconfirmed data loss.
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { RolloutFleet, SERVICE_PORT } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';
import { startTraffic, type Traffic } from './support/traffic.js';

const tagOf = (image: string) => image.split(':').at(-1)!;
const PROCESSOR_PORT = 18081;
const THRESHOLDS = { maxErrorRatio: 0.5, max5xxRatio: 0.05, minSamples: 10, consecutiveFailures: 2 };
const NO_CHECKS = { hosts: { count: 1 }, checks: [] };

describe('judgment and rollback on real containers', () => {
  let fleet: RolloutFleet;
  let dashboard: DashboardClient;
  let traffic: Traffic | undefined;

  beforeAll(async () => {
    fleet = await RolloutFleet.start({
      datacenters: { tc: 2, yf: 2 },
      preview: 1,
      env: { TARMAC_JUDGMENT_INTERVAL_MS: '2000' },
      agentArgs: ['--signal-interval', '1000'],
    });
    dashboard = await connectDashboard(fleet.url, fleet.adminToken);
  }, 120_000);
  afterEach(async () => {
    await traffic?.stop();
    traffic = undefined;
  });
  afterAll(async () => {
    dashboard?.close();
    await fleet?.close();
  });

  const appUrls = (port = SERVICE_PORT) => fleet.hosts.map((h) => `http://${h.ns.hostAddress}:${port}/cgi-bin/app`);
  const audit = async (planId: string) => (await fleet.api().get(`/api/v1/audit?plan=${planId}`).set(fleet.auth('admin')).expect(200)).body as { action: string; reason: string | null; after: Record<string, unknown> | null }[];

  it('fails the ramp of a release that answers 500, rolls it back on its own, and shows why', async () => {
    traffic = startTraffic(appUrls(), 10);
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageFlaky), {
      preview: NO_CHECKS,
      ramp: { durationSeconds: 20, thresholds: THRESHOLDS },
      autoRollback: true,
    });
    const id = await fleet.startRollout(planId);
    const ended = await fleet.waitForStatus(id, ['rolled_back', 'succeeded', 'failed', 'aborted', 'paused'], 120_000);
    expect(ended).toMatchObject({ status: 'rolled_back', reason: { code: 'ROLLED_BACK' }, rollback: { automatic: true, by: 'tarmac' } });
    expect(ended.reason.message).toMatch(/^rolled back automatically: JUDGMENT_FAILED: ramp: 2 failing evaluations in a row: 5xx ratio/);

    // Every host runs v1 again and serves it (only the preview host had been touched).
    for (const host of fleet.hosts) expect(await fleet.serves(host.hostname)).toBe('v1');
    const preview = fleet.hosts.find((h) => h.pool === 'preview')!.hostname;
    expect((await fleet.containers(preview)).filter((c) => c.state === 'running').map((c) => c.release)).toEqual(['v1']);

    // The audit log holds the reason with the figures; the analysis shows every evaluation.
    const entries = await audit(planId);
    const failed = entries.find((e) => e.action === 'rollout.judgment-failed')!;
    expect(failed.reason).toMatch(/5xx ratio \d+\.\d+% \(old 0\.00%, at most 5\.00%\)/);
    expect(failed.after).toMatchObject({ scope: 'ramp', figures: { newRequests: expect.any(Number), new5xxRatio: expect.any(Number) } });
    // About half the requests fail, but an evaluation of 10 requests holds two or fewer 500s 5 % of the time.
    expect((failed.after!.figures as { new5xxRatio: number }).new5xxRatio).toBeGreaterThan(THRESHOLDS.max5xxRatio);
    expect(entries.map((e) => e.action)).toEqual(expect.arrayContaining(['rollout.rollback-started', 'rollout.rolled-back']));
    const { body: analysis } = await fleet.api().get(`/api/v1/rollouts/${id}/analysis`).set(fleet.auth('otto')).expect(200);
    expect(analysis.judgments.at(-1)).toMatchObject({ scope: 'ramp', verdict: 'fail', conclusion: 'fail' });
    const flaky = analysis.signals.find((s: { new: boolean }) => s.new);
    expect(flaky).toMatchObject({ service: 'web', hosts: 1 });
    expect(flaky.status5xx).toBeGreaterThan(0);
    expect(analysis.signals.filter((s: { new: boolean }) => !s.new).map((s: { datacenter: string }) => s.datacenter).sort()).toEqual(['tc', 'yf']);

    // The dashboard saw each rollback step of the preview host.
    const steps = (dashboard.received as unknown as { type: string; payload: { rolloutId?: string; step?: string; status?: string } }[])
      .filter((r) => r.type === 'host:steps' && r.payload.rolloutId === id && r.payload.step?.startsWith('rollback'))
      .map((r) => `${r.payload.step} ${r.payload.status}`);
    expect(steps.filter((s) => s.endsWith('completed'))).toEqual([
      'rollback-1:drain:web completed',
      'rollback-1:replace:web completed',
      'rollback-1:health:web completed',
      'rollback-1:restore:web completed',
    ]);

    // The Prometheus export counts the same requests.
    const metrics = await fleet.api().get('/metrics').set(fleet.auth('admin')).expect(200);
    expect(metrics.text).toMatch(/^tarmac_service_requests_total\{service="web",version="v1",datacenter="tc",code="200"\} \d+/m);
  }, 180_000);

  it('pauses a ramp without traffic as inconclusive, never failing it', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2), {
      title: 'web v2, no traffic',
      preview: NO_CHECKS,
      ramp: { durationSeconds: 6, thresholds: THRESHOLDS },
      autoRollback: true,
      rollback: { steps: [{ services: ['web'], what: 'code' }], dataCompatibility: { forwardCompatible: false, note: 'v2 writes sessions v1 cannot read' } },
    });
    const id = await fleet.startRollout(planId);
    const paused = await fleet.waitForStatus(id, ['paused', 'succeeded', 'failed', 'rolled_back'], 60_000);
    expect(paused).toMatchObject({ status: 'paused', stage: 'observe', reason: { code: 'JUDGMENT_INCONCLUSIVE' }, judgment: { scope: 'ramp', result: 'inconclusive' } });
    expect(paused.reason.message).toMatch(/fewer than the 10 needed/);

    // Going back may lose data here: refused without confirmDataLoss, nothing changed.
    const refused = await fleet.api().post(`/api/v1/rollouts/${id}/rollback`).set(fleet.auth('otto')).send({ reason: 'no traffic to judge by' }).expect(409);
    expect(refused.body).toMatchObject({ error: 'DATA_LOSS_NOT_CONFIRMED', message: expect.stringMatching(/not forward-compatible \(v2 writes sessions v1 cannot read\).*confirmDataLoss/) });
    expect((await fleet.rollout(id)).status).toBe('paused');
    await fleet.api().post(`/api/v1/rollouts/${id}/rollback`).set(fleet.auth('otto')).send({ reason: '' }).expect(400);

    const rolled = await fleet.api().post(`/api/v1/rollouts/${id}/rollback`).set(fleet.auth('otto')).send({ reason: 'no traffic to judge by', confirmDataLoss: true }).expect(200);
    expect(rolled.body).toMatchObject({ status: 'rolling_back', rollback: { by: 'otto', automatic: false } });
    await fleet.waitForStatus(id, ['rolled_back'], 60_000);
    for (const host of fleet.hosts) expect(await fleet.serves(host.hostname)).toBe('v1');
    const requested = (await audit(planId)).find((e) => e.action === 'rollout.rollback-requested');
    expect(requested).toMatchObject({ reason: 'no traffic to judge by', after: { confirmDataLoss: true } });
    // Rolled back already: a second rollback is refused.
    await fleet.api().post(`/api/v1/rollouts/${id}/rollback`).set(fleet.auth('otto')).send({ reason: 'again', confirmDataLoss: true }).expect(409);
  }, 120_000);

  it('rolls back a processor and a frontend config before code, processors before frontends, as the journals show', async () => {
    const admin = fleet.auth('admin');
    const repository = testEnv().imageV1.replace(/:[^:/]+$/, '');
    await fleet
      .api()
      .post('/api/v1/services')
      .set(admin)
      .send({
        name: 'orders',
        role: 'processor',
        imageRepository: repository,
        container: {
          ports: [{ container: PROCESSOR_PORT }],
          env: { PORT: String(PROCESSOR_PORT) },
          healthCheck: { type: 'http', path: '/', port: PROCESSOR_PORT, timeoutMs: 500, intervalMs: 500 },
        },
      })
      .expect(201);
    for (const service of ['web', 'orders']) {
      for (const version of [1, 2]) {
        await fleet.api().post(`/api/v1/services/${service}/configs`).set(admin).send({ files: { 'app.conf': `${service} config ${version}\n` } }).expect(201);
      }
    }
    const steps = [
      { roles: ['processor'], what: 'config' as const },
      { roles: ['frontend'], what: 'config' as const },
      { roles: ['processor'], what: 'code' as const },
      { roles: ['frontend'], what: 'code' as const, shiftTraffic: true },
    ];
    const plan = (title: string, web: string, orders: string, configVersion: number) =>
      fleet.approvedPlan(web, {
        title,
        modules: ['web', 'orders'],
        releases: [
          { service: 'web', image: web, configVersion },
          { service: 'orders', image: orders, configVersion },
        ],
        preview: NO_CHECKS,
        rollback: { steps, dataCompatibility: { forwardCompatible: true, note: 'no stored data' } },
      });
    // First: both services on a known release, recorded as each host's last stable one.
    const first = await fleet.startRollout(await plan('web v2 + orders v1, config 1', tagOf(testEnv().imageV2), tagOf(testEnv().imageV1), 1));
    await fleet.waitForStatus(first, ['succeeded'], 120_000);
    // Then: both change again, and that release is rolled back by hand after it succeeded.
    const secondPlan = await plan('web v1 + orders v2, config 2', tagOf(testEnv().imageV1), tagOf(testEnv().imageV2), 2);
    const second = await fleet.startRollout(secondPlan);
    await fleet.waitForStatus(second, ['succeeded'], 120_000);
    const orders = (hostname: string) => fetch(`http://${fleet.host(hostname).ns.hostAddress}:${PROCESSOR_PORT}/`).then(async (r) => (await r.text()).trim());
    const config = (hostname: string, port: number) => fetch(`http://${fleet.host(hostname).ns.hostAddress}:${port}/tarmac/config/app.conf`).then(async (r) => (await r.text()).trim());
    const someHost = fleet.hosts[1]!.hostname;
    expect([await fleet.serves(someHost), await orders(someHost), await config(someHost, SERVICE_PORT)]).toEqual(['v1', 'v2', 'web config 2']);

    // The first rollout has been superseded: refused, nothing changed.
    const superseded = await fleet.api().post(`/api/v1/rollouts/${first}/rollback`).set(fleet.auth('otto')).send({ reason: 'wrong one' }).expect(409);
    expect(superseded.body).toMatchObject({ error: 'ROLLOUT_SUPERSEDED', message: expect.stringContaining(second) });
    expect((await fleet.rollout(first)).status).toBe('succeeded');

    const journalMark = Object.fromEntries(fleet.hosts.map((h) => [h.hostname, fleet.journal(h.hostname).length]));
    await fleet.api().post(`/api/v1/rollouts/${second}/rollback`).set(fleet.auth('otto')).send({ reason: 'orders v2 loses messages' }).expect(200);
    const done = await fleet.waitForStatus(second, ['rolled_back', 'paused'], 120_000);
    expect(done.status).toBe('rolled_back');

    for (const host of fleet.hosts) {
      const executed = fleet
        .journal(host.hostname)
        .slice(journalMark[host.hostname])
        .filter((entry) => entry.event === 'finished' && entry.outcome === 'completed' && entry.key.startsWith(second))
        .map((entry) => entry.key.split('/')[1]!.split(':').slice(1).join(':'))
        .filter((step) => step.startsWith('config') || step.startsWith('replace'));
      expect({ host: host.hostname, executed }).toEqual({ host: host.hostname, executed: ['config:orders', 'config:web', 'replace:orders', 'replace:web'] });
      // The frontends' step moved each datacenter's web traffic away meanwhile, every host of it (the preview host too).
      const shift = fleet
        .journal(host.hostname)
        .filter((entry) => entry.event === 'started' && entry.key.startsWith(second) && /\/rollback-\d+:(shift-drain|replace|shift-restore):web\//.test(entry.key))
        .map((entry) => entry.key.split('/')[1]!.split(':')[1]);
      expect({ host: host.hostname, shift }).toEqual({ host: host.hostname, shift: host.pool === 'preview' ? ['shift-drain', 'shift-restore', 'replace'] : ['shift-drain', 'replace', 'shift-restore'] });
      // Back on the first rollout's releases and config.
      expect([await fleet.serves(host.hostname), await orders(host.hostname), await config(host.hostname, SERVICE_PORT), await config(host.hostname, PROCESSOR_PORT)]).toEqual([
        'v2',
        'v1',
        'web config 1',
        'orders config 1',
      ]);
    }
    // The shifts went through the datacenter traffic record: audited, and every datacenter serves again.
    const { body: traffic } = await fleet.api().get('/api/v1/services/web/traffic').set(fleet.auth('otto')).expect(200);
    expect(traffic.map((t: { datacenter: string; serving: boolean; changedBy: string }) => [t.datacenter, t.serving, t.changedBy])).toEqual([
      ['tc', true, 'tarmac'],
      ['yf', true, 'tarmac'],
    ]);
    // Across the fleet too: no host began a declared step before every host had finished the one before.
    const entries = fleet.hosts.flatMap((h) => fleet.journal(h.hostname).filter((e) => e.key.startsWith(second) && e.key.includes('/rollback-')));
    const stepOf = (key: string) => Number(/\/rollback-(\d+):/.exec(key)![1]);
    for (let step = 1; step < steps.length; step++) {
      const lastFinished = Math.max(...entries.filter((e) => e.event === 'finished' && stepOf(e.key) === step).map((e) => Date.parse(e.at!)));
      const firstStarted = Math.min(...entries.filter((e) => e.event === 'started' && stepOf(e.key) === step + 1).map((e) => Date.parse(e.at!)));
      expect(lastFinished).toBeLessThanOrEqual(firstStarted);
    }
    const { body: audit } = await fleet.api().get(`/api/v1/audit?plan=${secondPlan}`).set(fleet.auth('admin')).expect(200);
    expect(audit.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['rollout.rollback-requested', 'rollout.rollback-started', 'rollout.rolled-back']));
  }, 420_000);
});
