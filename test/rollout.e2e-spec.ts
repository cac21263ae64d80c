// A plan's rollout on real containers: seven hosts in network namespaces (one preview
// host, three in tc, three in yf), web v1 on all of them, rolled to v2 through preview,
// ramp and the two datacenters in batches of two. Then an abort mid-wave.
import { RolloutWatchAck, withHostChanges, type RolloutChange } from '../libs/protocol/src/index.js';
import { connectDashboard, type DashboardClient } from './support/dashboard-client.js';
import { RolloutFleet } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const V2 = testEnv().imageV2.split(':').at(-1)!;

describe('rollout on real containers', () => {
  let fleet: RolloutFleet;
  let dashboard: DashboardClient;

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 3, yf: 3 }, preview: 1 });
    dashboard = await connectDashboard(fleet.url, fleet.adminToken);
  }, 120_000);
  afterAll(async () => {
    dashboard?.close();
    await fleet?.close();
  });

  it('takes every host from v1 to v2: preview, ramp, tc then yf in batches of two', async () => {
    const planId = await fleet.approvedPlan(V2);
    const preview = await fleet.api().post(`/api/v1/plans/${planId}/rollout-preview`).set(fleet.auth('otto')).expect(200);
    const [p, tc1, tc2, tc3, yf1, yf2, yf3] = fleet.hosts.map((h) => h.hostname);
    expect(preview.body).toEqual({
      previewHosts: [p],
      rampSeconds: 0,
      waves: [
        { datacenter: 'tc', batches: [[tc1, tc2], [tc3]] },
        { datacenter: 'yf', batches: [[yf1, yf2], [yf3]] },
      ],
      checksBetweenDatacenters: 1,
    });

    const id = await fleet.startRollout(planId);
    // A second dashboard joins mid-rollout: the rollout's snapshot, then the live events after it.
    await waitFor(async () => (await fleet.rollout(id)).stage === 'batch', { description: 'the waves under way', timeoutMs: 60_000, intervalMs: 50 });
    const late = await connectDashboard(fleet.url, fleet.adminToken);
    const watched = RolloutWatchAck.parse(await late.socket.emitWithAck('rollout:watch', { rolloutId: id }));
    if (!watched.ok) throw new Error(watched.message);
    const done = await fleet.waitForStatus(id, ['succeeded', 'failed', 'paused', 'aborted']);
    expect(done).toMatchObject({ status: 'succeeded', stage: 'done', reason: null });
    expect(done.hosts.every((h: { phase: string; updated: boolean }) => h.phase === 'done' && h.updated)).toBe(true);

    for (const host of fleet.hosts) {
      expect(await fleet.serves(host.hostname)).toBe('v2');
      const containers = await fleet.containers(host.hostname);
      expect(containers.map((c) => `${c.release}:${c.state}`)).toEqual([expect.stringMatching(/-2:running$/), 'v1:exited']);
    }

    // A dashboard saw each host's steps in order; tc's hosts all finished before yf's began.
    const received = dashboard.received as unknown as { type: string; payload: { seq: number; rollout?: { status: string } } }[];
    await waitFor(() => received.some((r) => r.type === 'rollout:updated' && r.payload.rollout?.status === 'succeeded'), {
      description: 'the dashboard saw the rollout succeed',
    });
    // One event per group of hosts that took a step together: one line per host here.
    const steps = dashboard.received
      .filter((r) => (r.type as string) === 'host:steps')
      .flatMap((r) => {
        const { hostnames, ...step } = r.payload as unknown as { hostnames: string[]; step: string; status: string; seq: number };
        return hostnames.map((hostname) => ({ ...step, hostname }));
      });
    const completed = (hostname: string) => steps.filter((s) => s.hostname === hostname && s.status === 'completed').map((s) => s.step.split(':').slice(0, 2).join(':'));
    expect(completed(p)).toEqual(['preview:drain', 'preview:pull', 'preview:replace', 'preview:health', 'preview:check', 'ramp:restore']);
    expect(completed(tc1)).toEqual(['wave-tc:drain', 'wave-tc:pull', 'wave-tc:replace', 'wave-tc:health', 'wave-tc:restore', 'gate-tc:check']);
    expect(completed(yf3)).toEqual(['wave-yf:drain', 'wave-yf:pull', 'wave-yf:replace', 'wave-yf:health', 'wave-yf:restore']);
    const lastTc = Math.max(...steps.filter((s) => s.step.startsWith('wave-tc')).map((s) => s.seq));
    const firstYf = Math.min(...steps.filter((s) => s.step.startsWith('wave-yf')).map((s) => s.seq));
    expect(lastTc).toBeLessThan(firstYf);
    const seqs = dashboard.received.slice(1).map((r) => (r.payload as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));

    // What the late dashboard knew plus what it heard after its snapshot adds up to the end state.
    const heard = late.received as unknown as { type: string; payload: { seq: number; hostnames?: string[]; status?: string; rollout?: { status: string } } }[];
    await waitFor(() => heard.some((r) => r.payload.rollout?.status === 'succeeded'), { description: 'the late dashboard heard the end' });
    const after = heard.filter((r) => r.type !== 'hosts:snapshot' && r.payload.seq > watched.data.seq);
    const unfinished = watched.data.rollout.hosts.filter((h) => h.phase !== 'done').map((h) => h.hostname);
    const finishedLater = new Set(after.filter((r) => r.type === 'host:steps' && r.payload.status === 'completed').flatMap((r) => r.payload.hostnames!));
    for (const hostname of unfinished) expect(finishedLater).toContain(hostname);
    for (const host of fleet.hosts.filter((h) => !watched.data.rollout.hosts.some((seen) => seen.hostname === h.hostname))) expect(finishedLater).toContain(host.hostname);
    // rollout:updated carries only the hosts a decision changed: applied over the snapshot, they give the rollout as it ended.
    const changes = after.filter((r) => r.type === 'rollout:updated').map((r) => r.payload as unknown as RolloutChange);
    expect(changes.some((change) => change.hosts.length < fleet.hosts.length)).toBe(true);
    const rebuilt = changes.reduce((hosts, change) => withHostChanges(hosts, change.hosts), watched.data.rollout.hosts);
    const { body: ended } = await fleet.api().get(`/api/v1/rollouts/${id}`).set(fleet.auth('otto')).expect(200);
    expect(rebuilt).toEqual(ended.hosts);
    expect(changes.at(-1)!.rollout.hostCounts).toEqual({ begun: fleet.hosts.length, done: fleet.hosts.length });
    late.close();

    const metrics = await fleet.api().get('/metrics').set(fleet.auth('admin')).expect(200);
    expect(metrics.text).toMatch(/tarmac_rollouts\{status="succeeded"\} 1/);
    expect(metrics.text).toMatch(/tarmac_host_step_duration_seconds_count\{step="replace"\} 7/);
  });

  it('aborts mid-wave: no further host is touched, and the rollout says who aborted and when', async () => {
    const planId = await fleet.approvedPlan(testEnv().imageV1.split(':').at(-1)!, { preview: { hosts: { count: 1 }, checks: [] }, ramp: { durationSeconds: 0 } });
    const id = await fleet.startRollout(planId);
    const tcHosts = fleet.hosts.filter((h) => h.datacenter === 'tc' && h.pool === 'production').map((h) => h.hostname);
    await waitFor(async () => (await fleet.rollout(id)).hosts.some((h: { hostname: string; phase: string }) => h.hostname === tcHosts[0] && h.phase === 'done'), {
      description: 'the first tc batch done',
      timeoutMs: 60_000,
    });
    const aborted = await fleet.api().post(`/api/v1/rollouts/${id}/abort`).set(fleet.auth('otto')).send({ reason: 'wrong image' }).expect(200);
    expect(aborted.body).toMatchObject({ status: 'aborted', intents: { abort: { by: 'otto', reason: 'wrong image', at: expect.any(String) } } });
    const sentBefore = (await fleet.api().get(`/api/v1/audit?limit=1000`).set(fleet.auth('otto'))).body.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // yf was never touched: still v2 from the first rollout, and no command went there.
    for (const host of fleet.hosts.filter((h) => h.datacenter === 'yf')) expect(await fleet.serves(host.hostname)).toBe('v2');
    const rollout = await fleet.rollout(id);
    expect(rollout.hosts.map((h: { hostname: string }) => h.hostname)).not.toContain(fleet.hosts.find((h) => h.datacenter === 'yf')!.hostname);
    await fleet.api().post(`/api/v1/rollouts/${id}/resume`).set(fleet.auth('otto')).expect(409);
    const audit = (await fleet.api().get(`/api/v1/audit?plan=${planId}`).set(fleet.auth('otto'))).body as { actor: string; action: string; reason: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'otto', action: 'rollout.aborted', reason: 'wrong image' }));
    expect(sentBefore).toBeGreaterThan(0);
  });
});
