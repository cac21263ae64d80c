// Scenario 3: what the orchestration adds on top of the hosts' own work. A rollout over
// N hosts in one datacenter, batches of 10 %, each host running the wave's five steps
// (drain, pull, replace, health, restore); every step takes exactly T on the stand-in
// agents. Ideal wall time = batches × steps per host × T; the ratio is measured / ideal.
import { planBatches } from '../../libs/domain/src/index.js';
import { api } from '../harness/api.js';
import { Fleet } from '../harness/fleet.js';
import { distribution, epochMs, round } from '../harness/stats.js';
import { waitUntil } from '../harness/workers.js';
import { numberFlag, type Scenario } from './scenario.js';

const STEPS_PER_HOST = 5; // wave: drain, pull, replace, health, restore (one release)

export const orchestration: Scenario = {
  name: 'orchestration',
  summary: 'a rollout over N hosts in batches of 10 %, each step taking T (--step-ms); wall time / ideal',
  async run({ agents = 1000, workers, flags, log }) {
    const stepMs = numberFlag(flags, 'step-ms', 1000);
    const percent = numberFlag(flags, 'batch-percent', 10);
    const policy = { size: { percent }, minHealthyPercent: 0, pauseMs: 0 };
    const batches = planBatches(Array.from({ length: agents }, (_, i) => String(i)), policy).length;
    const idealMs = batches * STEPS_PER_HOST * stepMs;
    log(`orchestration: ${agents} hosts, ${batches} batches of ${percent} %, ${STEPS_PER_HOST} steps × ${stepMs} ms; ideal ${idealMs / 1000} s`);
    const fleet = await Fleet.start({ agents, workers, log, complete: 'all', stepMs });
    try {
      const storm = await fleet.storm(300_000, log);
      if (storm.registered < agents) throw new Error(`only ${storm.registered}/${agents} agents registered`);
      const otto = await fleet.fixtures.user('otto', ['operator']);
      await fleet.fixtures.service({ name: 'web', imageRepository: '127.0.0.1:5999/bench/web', port: 18080 });
      const planId = await fleet.fixtures.approvedPlan(otto.id, 'web', '2', 'bench', {
        batch: { size: { percent }, minHealthyPercent: 0, pauseSeconds: 0 },
      });
      const requestedAt = epochMs();
      const rollout = await api<{ id: string }>(fleet.controlPlane.url, otto.token, 'POST', '/api/v1/rollouts', { planId });
      let state: { status: string; finished: number | null } | undefined;
      let lastLog = 0;
      await waitUntil(async () => {
        [state] = await fleet.fixtures.query<{ status: string; finished: number | null }>(
          `SELECT status, extract(epoch FROM finished_at) * 1000 AS finished FROM rollouts WHERE id = $1`,
          [rollout.id],
        );
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          const [{ done }] = await fleet.fixtures.query<{ done: string }>(`SELECT count(*) AS done FROM host_commands WHERE rollout_id = $1 AND status = 'completed'`, [rollout.id]);
          log(`  ${((epochMs() - requestedAt) / 1000).toFixed(0)} s: ${state?.status}, ${done}/${agents * STEPS_PER_HOST} steps completed`);
        }
        return state?.finished != null || ['failed', 'paused', 'aborted'].includes(state?.status ?? '');
      }, idealMs * 10 + 300_000, 100);
      const resources = fleet.sampler.window(requestedAt, epochMs());
      const commands = await fleet.fixtures.query<{ hostname: string; created: number; finished: number | null; sent: number | null }>(
        `SELECT hostname, extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM sent_at) * 1000 AS sent, extract(epoch FROM finished_at) * 1000 AS finished
           FROM host_commands WHERE rollout_id = $1 ORDER BY hostname, seq`,
        [rollout.id],
      );
      const firstDecision = Math.min(...commands.map((c) => Number(c.created)));
      const finished = state?.finished != null ? Number(state.finished) : NaN;
      const wallMs = finished - requestedAt;
      const fromStartMs = finished - firstDecision;
      const ratio = wallMs / idealMs;
      // Per command: decision to completion recorded, minus the step's own T.
      const perStep = distribution(commands.filter((c) => c.finished !== null).map((c) => Number(c.finished) - Number(c.created) - stepMs));
      // Per host: an agent's report arriving (finished_at) to the engine deciding that host's next step (created_at).
      const gaps: number[] = [];
      for (let i = 1; i < commands.length; i++) {
        const prev = commands[i - 1]!;
        const next = commands[i]!;
        if (prev.hostname === next.hostname && prev.finished !== null) gaps.push(Number(next.created) - Number(prev.finished));
      }
      const reportToNext = distribution(gaps);
      const reports = await fleet.workers.collect();
      const duplicates = reports.flatMap((r) => r.dispatches).filter((d) => d.duplicate).length;
      return {
        scenario: 'orchestration',
        title: `Orchestration overhead: ${agents} hosts, batches of ${percent} %, T = ${stepMs} ms`,
        parameters: { agents, workers: fleet.workers.size, stepMs, batchPercent: percent, batches, stepsPerHost: STEPS_PER_HOST },
        standIns: [
          `the agents are simulated in worker processes: each acknowledges a command on receipt and reports command:completed exactly ${stepMs} ms later, instead of draining, pulling, replacing or probing anything`,
        ],
        notes: [
          'ideal = batches × steps per host × T; measured = POST /api/v1/rollouts → rollouts.finished_at (includes the engine\'s 500 ms poller picking the rollout up)',
          'no preview hosts (none is in the preview pool), ramp 0 s, no pause between batches, no checks: only the waves',
          'agent tokens, the operator, the service and the approved plan were inserted directly into the bench database',
        ],
        rows: [
          { metric: 'rollout status', value: state?.status ?? 'unknown' },
          { metric: 'ideal wall time', value: round(idealMs / 1000, 2), unit: 's' },
          { metric: 'measured wall time', value: round(wallMs / 1000, 2), unit: 's' },
          { metric: 'overhead ratio (measured / ideal)', value: round(ratio, 3), target: '≤ 1.05', met: ratio <= 1.05 },
          { metric: 'ratio from the first decision (without the poller pick-up)', value: round(fromStartMs / idealMs, 3) },
          { metric: 'per command: decision → its report arrives, minus T, p50 / p95 / p99', value: `${round(perStep.p50)} / ${round(perStep.p95)} / ${round(perStep.p99)}`, unit: 'ms' },
          { metric: 'report arrives → same host\'s next step decided p50 / p95 / p99', value: `${round(reportToNext.p50)} / ${round(reportToNext.p95)} / ${round(reportToNext.p99)}`, unit: 'ms' },
          { metric: 'overhead per batch step ((measured − ideal) / (batches × steps))', value: round((wallMs - idealMs) / (batches * STEPS_PER_HOST)), unit: 'ms' },
          { metric: 'duplicate dispatches received', value: duplicates },
          { metric: 'control-plane CPU during the rollout (avg / peak)', value: `${round(resources.avgCpuPercent)} / ${round(resources.peakCpuPercent)}`, unit: '% of one core' },
          { metric: 'control-plane RSS peak', value: round(resources.peakRssMb), unit: 'MiB' },
        ],
        data: { storm, idealMs, wallMs, fromStartMs, perStep, reportToNext, resources, commands: commands.length, workerErrors: fleet.workers.errors() },
      };
    } finally {
      await fleet.close();
    }
  },
};
