// Scenario 2: one batch command to N agents, through the real rollout engine. A plan
// whose single datacenter wave is one batch of 100 % (no preview hosts, no ramp) makes
// the engine decide N `traffic:drain` commands in one transaction and send them after
// commit; each agent acknowledges its command on receipt. Per agent we take the
// engine's own record: host_commands.created_at (the decision) to sent_at (set when the
// agent's ack arrived), both on the control plane's clock. The stand-in agents never
// complete the commands, so nothing else competes with the fan-out.
import { availableParallelism } from 'node:os';
import { api } from '../harness/api.js';
import { Fleet, heartbeatIntervalTold } from '../harness/fleet.js';
import { machineBusy, readMachineCpu, readProcess } from '../harness/process-sampler.js';
import { distribution, epochMs, round } from '../harness/stats.js';
import { waitUntil } from '../harness/workers.js';
import { numberFlag, type Scenario } from './scenario.js';

interface CommandRow {
  hostname: string;
  created: number;
  sent: number | null;
}

export const fanOut: Scenario = {
  name: 'fan-out',
  summary: 'one batch command (a rollout batch covering every host) to N agents; time until every ack, p50/p95/p99',
  async run({ agents = 1000, workers, flags, log }) {
    const deadlineSeconds = numberFlag(flags, 'deadline', 300);
    log(`fan-out: ${agents} agents from ${workers} worker(s)`);
    const fleet = await Fleet.start({ agents, workers, log, complete: 'none' });
    try {
      const storm = await fleet.storm(deadlineSeconds * 1000, log);
      if (storm.registered < agents) throw new Error(`only ${storm.registered}/${agents} agents registered`);
      const otto = await fleet.fixtures.user('otto', ['operator']);
      await fleet.fixtures.service({ name: 'web', imageRepository: '127.0.0.1:5999/bench/web', port: 18080 });
      const planId = await fleet.fixtures.approvedPlan(otto.id, 'web', '2', 'bench');

      const workersCpu = () => fleet.workers.pids.reduce((sum, pid) => sum + (readProcess(pid)?.cpuSeconds ?? 0), 0);
      const workersCpuBefore = workersCpu();
      const machineBefore = readMachineCpu();
      const requestedAt = epochMs();
      const rollout = await api<{ id: string }>(fleet.controlPlane.url, otto.token, 'POST', '/api/v1/rollouts', { planId });
      log(`  rollout ${rollout.id} started; waiting for ${agents} acks`);
      const commands = () =>
        fleet.fixtures.query<CommandRow>(
          `SELECT hostname, extract(epoch FROM created_at) * 1000 AS created, extract(epoch FROM sent_at) * 1000 AS sent
             FROM host_commands WHERE rollout_id = $1`,
          [rollout.id],
        );
      let rows: CommandRow[] = [];
      let lastLog = 0;
      const complete = await waitUntil(async () => {
        rows = await commands();
        const acked = rows.filter((r) => r.sent !== null).length;
        if (Date.now() - lastLog > 2000) {
          lastLog = Date.now();
          log(`  ${rows.length} commands decided, ${acked} acknowledged`);
        }
        return rows.length === agents && acked === agents;
      }, deadlineSeconds * 1000, 100);
      const finishedAt = epochMs();
      const machine = machineBusy(machineBefore, readMachineCpu());
      const workersCpuSeconds = workersCpu() - workersCpuBefore;
      const reports = await fleet.workers.collect();
      const resources = fleet.sampler.window(requestedAt, finishedAt);

      const firstReceipt = new Map<string, number>();
      let duplicates = 0;
      for (const d of reports.flatMap((r) => r.dispatches)) {
        if (d.duplicate) duplicates++;
        else firstReceipt.set(d.hostname, Math.min(firstReceipt.get(d.hostname) ?? Infinity, d.receivedAt));
      }
      const decidedAt = Math.min(...rows.map((r) => Number(r.created)));
      const ackMs = rows.filter((r) => r.sent !== null).map((r) => Number(r.sent) - Number(r.created));
      const receiptMs = rows.filter((r) => firstReceipt.has(r.hostname)).map((r) => firstReceipt.get(r.hostname)! - Number(r.created));
      const ack = distribution(ackMs);
      const receipt = distribution(receiptMs);
      const acked = ackMs.length;
      return {
        scenario: 'fan-out',
        title: `Fan-out: one batch command to ${agents} agents`,
        parameters: { agents, workers: fleet.workers.size, command: 'traffic:drain (wave batch of 100 %)' },
        standIns: ['the agents are simulated in worker processes: they acknowledge command:dispatch on receipt (as the real agent does) and never run the command'],
        notes: [
          'latency per agent = host_commands.sent_at − created_at: from the rollout engine\'s decision (the start of the transaction that wrote the batch\'s commands) to the moment the control plane received that agent\'s ack',
          'the batch is dispatched by the real rollout engine (POST /api/v1/rollouts on an approved plan; the engine\'s 500 ms poller starts it)',
          'agent tokens, the operator, the service and the approved plan were inserted directly into the bench database',
          ...(complete ? [] : [`deadline of ${deadlineSeconds} s passed with ${acked}/${agents} acknowledged`]),
        ],
        rows: [
          { metric: 'agents acknowledged', value: `${acked} / ${agents}` },
          { metric: 'time until every ack (decision → last ack)', value: round(ack.max), unit: 'ms' },
          { metric: 'per-agent decision → ack p50', value: round(ack.p50), unit: 'ms' },
          { metric: 'per-agent decision → ack p95', value: round(ack.p95), unit: 'ms', target: '≤ 1000 ms at 10,000', met: ack.p95 <= 1000 },
          { metric: 'per-agent decision → ack p99', value: round(ack.p99), unit: 'ms' },
          { metric: 'decision → first agent receives its command (the deciding transaction)', value: round(receipt.min), unit: 'ms' },
          { metric: 'first receipt → ack p50 / p95 (the sending alone, without the deciding transaction)', value: `${round(ack.p50 - receipt.min)} / ${round(ack.p95 - receipt.min)}`, unit: 'ms' },
          { metric: 'per-agent decision → receipt p50 / p95 / p99', value: `${round(receipt.p50)} / ${round(receipt.p95)} / ${round(receipt.p99)}`, unit: 'ms' },
          { metric: 'POST /rollouts → decision (poller pick-up)', value: round(decidedAt - requestedAt), unit: 'ms' },
          { metric: 'duplicate dispatches received (resent before the ack was recorded)', value: duplicates },
          { metric: 'heartbeat interval the agents were told (the control plane paces a large fleet)', value: heartbeatIntervalTold(reports), unit: 'ms' },
          { metric: 'control-plane CPU during the fan-out (avg / peak)', value: `${round(resources.avgCpuPercent)} / ${round(resources.peakCpuPercent)}`, unit: '% of one core' },
          { metric: 'control-plane RSS peak', value: round(resources.peakRssMb), unit: 'MiB' },
          { metric: 'CPU used in the fan-out by the control plane (of it in the kernel) / by the load generators', value: `${round(resources.cpuSeconds)} (${round(resources.kernelSeconds)}) / ${round(workersCpuSeconds)}`, unit: 'core-seconds' },
          {
            metric: `the whole machine during the fan-out (${availableParallelism()} cores: control plane, PostgreSQL, load generators, kernel): busy / core-seconds`,
            value: `${round(machine.percent)} % / ${round(machine.coreSeconds)}`,
          },
        ],
        data: { storm, ack, receipt, decidedAt, requestedAt, duplicates, resources, workersCpuSeconds, machine, workerErrors: fleet.workers.errors() },
      };
    } finally {
      await fleet.close();
    }
  },
};
