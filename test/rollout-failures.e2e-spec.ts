// A rollout survives what goes wrong on the way: a registry that is down, a control
// plane SIGKILLed mid-batch, an agent SIGKILLed in the middle of a command, an agent
// that is gone for good, a release that crashes a second after it starts.
import { OutageRegistry } from './support/outage-registry.js';
import { RolloutFleet } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const tagOf = (image: string) => image.split(':').at(-1)!;
const REPOSITORY = testEnv().imageV1.replace(/:[^:/]+$/, '');

describe('rollouts that meet failures', () => {
  let fleet: RolloutFleet;
  const registry = new OutageRegistry();

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 2, yf: 2 }, preview: 1 });
  }, 120_000);
  afterAll(async () => {
    await registry.close();
    await fleet?.close();
  });

  const setRepository = async (imageRepository: string) => {
    const { body: service } = await fleet.api().get('/api/v1/services/web').set(fleet.auth('otto')).expect(200);
    await fleet.api().put('/api/v1/services/web').set(fleet.auth('otto')).send({ role: service.role, imageRepository, container: service.container }).expect(200);
  };

  /** Per host: the containers of a release, and how often the agent finished its replace key. */
  const replaceRecord = async (rolloutId: string, hostname: string) => {
    const journal = fleet.journal(hostname);
    const keys = new Set(journal.filter((e) => e.key.startsWith(`${rolloutId}/`) && e.key.includes(':replace:')).map((e) => e.key));
    const finished = journal.filter((e) => keys.has(e.key) && e.event === 'finished' && e.outcome === 'completed');
    return { keys: keys.size, finished: finished.length };
  };

  it('pauses with the registry’s error when a pull fails, keeps v1 serving, and finishes once resumed', async () => {
    await registry.start();
    await registry.push(testEnv().imageV2, 'tarmac-test/web', 'outage');
    await setRepository(`${registry.address}/tarmac-test/web`);
    const planId = await fleet.approvedPlan('outage');
    await registry.stop();
    try {
      const id = await fleet.startRollout(planId);
      const paused = await fleet.waitForStatus(id, ['paused', 'failed', 'succeeded'], 60_000);
      expect(paused.status).toBe('paused');
      expect(paused.reason.code).toBe('HOST_STEP_FAILED');
      expect(paused.reason.message).toMatch(/preview:pull:web failed: IMAGE_PULL_FAILED: .*(127\.0\.0\.1:5001|connection refused|dial tcp)/i);
      const preview = fleet.hosts.find((h) => h.pool === 'preview')!.hostname;
      expect(await fleet.serves(preview)).toBe('v1');

      await registry.start();
      await fleet.api().post(`/api/v1/rollouts/${id}/resume`).set(fleet.auth('otto')).expect(200);
      expect((await fleet.waitForStatus(id, ['succeeded', 'paused', 'failed'])).status).toBe('succeeded');
      for (const host of fleet.hosts) expect(await fleet.serves(host.hostname)).toBe('v2');
    } finally {
      await setRepository(REPOSITORY);
      // Frees the outage registry's address for other test files.
      await registry.close();
    }
  });

  it('completes after the control plane is SIGKILLed mid-batch, replacing each container exactly once', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV1), { ramp: { durationSeconds: 0 } });
    const id = await fleet.startRollout(planId);
    await waitFor(async () => {
      const rollout = await fleet.rollout(id);
      return rollout.stage === 'batch' && rollout.hosts.some((h: { phase: string }) => h.phase === 'running');
    }, { description: 'a batch in flight', timeoutMs: 60_000, intervalMs: 50 });
    await fleet.killControlPlane();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await fleet.startControlPlane();

    expect(await fleet.waitForStatus(id, ['succeeded', 'paused', 'failed'])).toMatchObject({ status: 'succeeded', reason: null });
    const release = (await fleet.containers(fleet.hosts[0]!.hostname)).find((c) => c.state === 'running')!.release;
    for (const host of fleet.hosts) {
      expect(await fleet.serves(host.hostname)).toBe('v1');
      const containers = await fleet.containers(host.hostname);
      expect(containers.filter((c) => c.release === release)).toHaveLength(1);
      expect(await replaceRecord(id, host.hostname)).toEqual({ keys: 1, finished: 1 });
    }
  });

  it('does not run a command twice when its agent is SIGKILLed in the middle of it', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2), { ramp: { durationSeconds: 0 } });
    const victim = fleet.hosts.find((h) => h.datacenter === 'tc' && h.pool === 'production')!.hostname;
    const id = await fleet.startRollout(planId);
    await waitFor(
      async () => (await fleet.rollout(id)).hosts.some((h: { hostname: string; step: string; phase: string }) => h.hostname === victim && h.step === 'wave-tc:replace:web' && h.phase === 'running'),
      { description: 'the victim’s replace in flight', timeoutMs: 60_000, intervalMs: 20 },
    );
    await fleet.host(victim).agent!.kill('SIGKILL');
    fleet.startAgent(victim);

    expect(await fleet.waitForStatus(id, ['succeeded', 'paused', 'failed'])).toMatchObject({ status: 'succeeded', reason: null });
    expect(await fleet.serves(victim)).toBe('v2');
    const containers = await fleet.containers(victim);
    const running = containers.filter((c) => c.state === 'running');
    expect(running).toHaveLength(1);
    expect(containers.filter((c) => c.release === running[0]!.release)).toHaveLength(1);
    const { finished } = await replaceRecord(id, victim);
    expect(finished).toBe(1);
  });

  it('skips a host whose agent is gone when the plan says skipUnreachable, and finishes without touching it', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2), { ramp: { durationSeconds: 0 }, skipUnreachable: true });
    const victim = fleet.hosts.find((h) => h.datacenter === 'yf' && h.pool === 'production')!.hostname;
    const before = (await fleet.containers(victim)).filter((c) => c.state === 'running').map((c) => c.release);
    await fleet.host(victim).agent!.kill('SIGKILL');
    try {
      const id = await fleet.startRollout(planId);
      const ended = await fleet.waitForStatus(id, ['succeeded', 'paused', 'failed'], 120_000);
      expect(ended.status).toBe('succeeded');
      // The poller found the host lost (its agent unheard past the grace period) and the rollout skipped it.
      expect(ended.hosts.find((h: { hostname: string }) => h.hostname === victim)).toMatchObject({ phase: 'skipped' });
      const { body: audit } = await fleet.api().get(`/api/v1/audit?limit=1000`).set(fleet.auth('admin')).expect(200);
      expect(audit.some((e: { action: string; entityId: string; reason: string }) => e.entityId === id && e.action === 'rollout.host-skipped' && e.reason.includes(victim))).toBe(true);
      expect((await fleet.containers(victim)).filter((c) => c.state === 'running').map((c) => c.release)).toEqual(before);
      for (const host of fleet.hosts.filter((h) => h.hostname !== victim)) expect(await fleet.serves(host.hostname)).toBe('v2');
    } finally {
      fleet.startAgent(victim);
    }
  });

  it('fails the preview host\'s health step with CONTAINER_EXITED when the release crashes a second after it starts', async () => {
    const { body: service } = await fleet.api().get('/api/v1/services/web').set(fleet.auth('otto')).expect(200);
    const crashing = { ...service.container, command: ['/bin/sh', '-c', 'sleep 1; echo web crashing >&2; exit 1'] };
    await fleet.api().put('/api/v1/services/web').set(fleet.auth('otto')).send({ role: service.role, imageRepository: service.imageRepository, container: crashing }).expect(200);
    let id: string | undefined;
    try {
      const planId = await fleet.approvedPlan(tagOf(testEnv().imageV1));
      id = await fleet.startRollout(planId);
      // Within the step's deadline (60 s here) only the container's exit can end the health step.
      const paused = await fleet.waitForStatus(id, ['paused', 'failed', 'succeeded'], 30_000);
      expect(paused.status).toBe('paused');
      expect(paused.reason.message).toMatch(/preview:health:web failed: CONTAINER_EXITED: .* exit code 1 during the health check of web: .*web crashing/);
    } finally {
      if (id) await fleet.api().post(`/api/v1/rollouts/${id}/abort`).set(fleet.auth('otto')).send({ reason: 'test over' });
      await fleet.api().put('/api/v1/services/web').set(fleet.auth('otto')).send({ role: service.role, imageRepository: service.imageRepository, container: service.container }).expect(200);
    }
  });
});
