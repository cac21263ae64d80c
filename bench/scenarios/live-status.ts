// Scenario 4: live status latency. 1,000 agents heartbeat every second, each heartbeat
// with a changed container list (a heartbeat that changes nothing writes no event, so
// it would reach no dashboard); 100 dashboard subscribers take every host:updated.
// Latency = the agent's emit (its time is in the container id it reported) to a
// subscriber's receipt, on one machine's clock.
import { Fleet, mergedHeartbeatAcks } from '../harness/fleet.js';
import { Histogram, round } from '../harness/stats.js';
import { DashboardWorkers, waitUntil } from '../harness/workers.js';
import { numberFlag, sleep, type Scenario } from './scenario.js';

export const liveStatus: Scenario = {
  name: 'live-status',
  summary: 'S dashboard subscribers (--subscribers, 100) while N agents heartbeat every second with a change; emit → receipt p50/p99',
  async run({ agents = 1000, workers, flags, log }) {
    const subscribers = numberFlag(flags, 'subscribers', 100);
    const dashboardWorkers = numberFlag(flags, 'dashboard-workers', 2);
    const measureSeconds = numberFlag(flags, 'measure', 15);
    const heartbeatMs = numberFlag(flags, 'heartbeat-ms', 1000);
    log(`live-status: ${agents} agents heartbeating every ${heartbeatMs} ms with a change, ${subscribers} subscribers, ${measureSeconds} s`);
    const fleet = await Fleet.start({
      agents,
      workers,
      log,
      heartbeat: 'changed',
      controlPlaneEnv: {
        TARMAC_HEARTBEAT_INTERVAL_MS: String(heartbeatMs),
        TARMAC_AGENT_GRACE_MS: String(Math.max(5000, heartbeatMs * 5)),
        // The scenario is N agents reporting every interval: the control plane must not stretch it.
        TARMAC_MAX_HEARTBEATS_PER_SECOND: String(Math.ceil((agents * 1000) / heartbeatMs)),
      },
    });
    let dashboards: DashboardWorkers | undefined;
    try {
      const storm = await fleet.storm(300_000, log);
      if (storm.registered < agents) throw new Error(`only ${storm.registered}/${agents} agents registered`);
      dashboards = await DashboardWorkers.start(dashboardWorkers, fleet.controlPlane.url, fleet.controlPlane.adminToken, subscribers);
      dashboards.connectAll();
      if (!(await waitUntil(() => dashboards!.live() >= subscribers, 60_000))) throw new Error(`only ${dashboards.live()}/${subscribers} dashboards got their snapshot`);
      await sleep(Math.min(5000, heartbeatMs * 3)); // warm-up: every agent past its first changed heartbeat
      dashboards.measure(true);
      fleet.workers.measure(true);
      const from = Date.now();
      await sleep(measureSeconds * 1000);
      dashboards.measure(false);
      const resources = fleet.sampler.window(from, Date.now());
      const dashboardReports = await dashboards.collect();
      const agentReports = await fleet.workers.collect();
      const latency = Histogram.merge(dashboardReports.map((r) => r.latencyMs)).distribution();
      const heartbeatAck = mergedHeartbeatAcks(agentReports);
      const perSubscriberPerSecond = latency.count / subscribers / measureSeconds;
      const seqGaps = dashboardReports.reduce((s, r) => s + r.seqGaps, 0);
      const stale = dashboardReports.reduce((s, r) => s + r.stale, 0);
      const invalid = dashboardReports.reduce((s, r) => s + r.invalid, 0);
      const validated = dashboardReports.reduce((s, r) => s + r.validated, 0);
      return {
        scenario: 'live-status',
        title: `Live status latency: ${subscribers} dashboards, ${agents} agents heartbeating every ${heartbeatMs} ms with a change`,
        parameters: { agents, workers: fleet.workers.size, subscribers, dashboardWorkers, heartbeatMs, measureSeconds },
        standIns: [
          'the agents are simulated in worker processes; each heartbeat reports a container list that differs from the last one (its id carries the emit time), so every heartbeat is a real change the control plane writes and publishes; no container engine is read',
        ],
        notes: [
          'a heartbeat that changes nothing takes the control plane\'s fast path (one conditional UPDATE) and writes no dashboard event: this scenario measures the change path',
          `dashboards check every snapshot and one event in ${1000} against the protocol schemas (${validated} checked, ${invalid} invalid)`,
          'load generators, PostgreSQL and the control plane share the same 2 cores',
        ],
        rows: [
          { metric: 'events timed (host:updated × subscribers)', value: latency.count },
          { metric: 'events per subscriber per second', value: round(perSubscriberPerSecond) },
          { metric: 'agent emit → dashboard receipt p50', value: round(latency.p50), unit: 'ms' },
          { metric: 'agent emit → dashboard receipt p95', value: round(latency.p95), unit: 'ms' },
          { metric: 'agent emit → dashboard receipt p99', value: round(latency.p99), unit: 'ms', target: '≤ 250 ms', met: latency.p99 <= 250 },
          { metric: 'agent emit → dashboard receipt max', value: round(latency.max), unit: 'ms' },
          { metric: 'heartbeat ack p50 / p99', value: `${round(heartbeatAck.p50)} / ${round(heartbeatAck.p99)}`, unit: 'ms' },
          { metric: 'sequence gaps seen by subscribers (missed events)', value: seqGaps, target: '0', met: seqGaps === 0 },
          { metric: 'events at or below a sequence already seen (incl. the snapshot\'s)', value: stale },
          { metric: 'control-plane CPU (avg / peak)', value: `${round(resources.avgCpuPercent)} / ${round(resources.peakCpuPercent)}`, unit: '% of one core' },
          { metric: 'control-plane RSS peak', value: round(resources.peakRssMb), unit: 'MiB' },
        ],
        data: { storm, latency, heartbeatAck, resources, dashboardReports: dashboardReports.map(({ latencyMs: _, ...rest }) => rest), workerErrors: [...fleet.workers.errors(), ...dashboards.errors()] },
      };
    } finally {
      await dashboards?.stop();
      await fleet.close();
    }
  },
};
