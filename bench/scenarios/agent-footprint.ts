// Scenario 5: the footprint of one real agent (dist/agent/tarmac-agent.mjs, as it ships) on the real
// container engine (Podman behind the Docker Engine API): RSS and CPU while idle
// (connected, heartbeating), then during a rollout that replaces its container
// (v1 -> v2 from the test registry: drain, pull, replace, health, restore).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { api } from '../harness/api.js';
import { startControlPlane, freePort } from '../harness/control-plane.js';
import { createBenchDatabase } from '../harness/database.js';
import { BenchFixtures } from '../harness/fixtures.js';
import { ProcessSampler } from '../harness/process-sampler.js';
import { epochMs, round } from '../harness/stats.js';
import { waitUntil } from '../harness/workers.js';
import { numberFlag, sleep, type Scenario } from './scenario.js';

const AGENT_MAIN = fileURLToPath(new URL('../../agent/tarmac-agent.mjs', import.meta.url));

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`agent-footprint needs ${name}: run eval "$(scripts/test-services.sh start)" first (Podman, the registry and the test images)`);
  return value;
}

function splitImage(image: string): { repository: string; tag: string } {
  const at = image.lastIndexOf(':');
  return { repository: image.slice(0, at), tag: image.slice(at + 1) };
}

export const agentFootprint: Scenario = {
  name: 'agent-footprint',
  summary: 'RSS and CPU of one real agent, idle and during a container replace on Podman',
  async run({ flags, log }) {
    const idleSeconds = numberFlag(flags, 'idle', 10);
    const engineSocket = required('TARMAC_TEST_ENGINE_SOCKET');
    const v1 = splitImage(required('TARMAC_TEST_IMAGE_V1'));
    const v2 = splitImage(required('TARMAC_TEST_IMAGE_V2'));
    if (v1.repository !== v2.repository) throw new Error('TARMAC_TEST_IMAGE_V1 and _V2 must be tags of one repository');
    const prefix = `bench-agent-${process.pid}`;
    let hostname = prefix;
    const docker = new Docker({ socketPath: engineSocket });
    const database = await createBenchDatabase(log);
    const stateDir = await mkdtemp(join(tmpdir(), 'tarmac-bench-agent-'));
    const controlPlane = await startControlPlane(database.url, { TARMAC_DRAIN_WAIT_MS: '300', TARMAC_HEARTBEAT_INTERVAL_MS: '5000' }).catch(async (error) => {
      await database.drop();
      throw error;
    });
    const fixtures = await BenchFixtures.connect(database.url);
    let agent: ReturnType<typeof spawn> | undefined;
    try {
      const [identity] = await fixtures.agentTokens(1, prefix);
      hostname = identity!.hostname;
      const otto = await fixtures.user('otto', ['operator']);
      const port = await freePort();
      await fixtures.service({ name: 'web', imageRepository: v1.repository, port });
      // Run as it ships: through its #! line, which carries the agent's node flags.
      agent = spawn(
        AGENT_MAIN,
        ['--server', controlPlane.url, '--token', identity!.token, '--hostname', hostname, '--datacenter', 'bench',
          '--engine-socket', engineSocket, '--state-dir', stateDir, '--lb-host', '127.0.0.1', '--lb-port', '0', '--container-network', 'host', '--log-level', 'warn'],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      const sampler = new ProcessSampler(agent.pid!, 100).start();
      const online = await waitUntil(async () => (await fixtures.query(`SELECT 1 FROM hosts WHERE hostname = $1 AND status = 'online'`, [identity!.hostname])).length === 1, 30_000, 100);
      if (!online) throw new Error('the agent did not register within 30 s');

      const rollOut = async (tag: string) => {
        const planId = await fixtures.approvedPlan(otto.id, 'web', tag, 'bench');
        const from = epochMs();
        const { id } = await api<{ id: string }>(controlPlane.url, otto.token, 'POST', '/api/v1/rollouts', { planId });
        let status = 'pending';
        await waitUntil(async () => {
          [{ status }] = await fixtures.query<{ status: string }>('SELECT status FROM rollouts WHERE id = $1', [id]);
          return ['succeeded', 'failed', 'paused', 'aborted'].includes(status);
        }, 180_000, 100);
        if (status !== 'succeeded') throw new Error(`rollout to ${tag} ended ${status}`);
        return { from, to: epochMs() };
      };
      log(`agent-footprint: first deploy of ${v1.tag} (creates the container)`);
      await rollOut(v1.tag);
      log(`  idle for ${idleSeconds} s`);
      const idleFrom = Date.now();
      await sleep(idleSeconds * 1000);
      const idle = sampler.window(idleFrom, Date.now());
      log(`  replacing ${v1.tag} with ${v2.tag}`);
      const replace = await rollOut(v2.tag);
      const during = sampler.window(replace.from, replace.to);
      sampler.stop();
      const overall = Math.max(idle.peakRssMb, during.peakRssMb);
      return {
        scenario: 'agent-footprint',
        title: 'Agent footprint: one real agent on Podman',
        parameters: { idleSeconds, images: [`${v1.repository}:${v1.tag}`, `${v2.repository}:${v2.tag}`], heartbeatMs: 5000 },
        standIns: [],
        notes: [
          'the real agent (dist/agent/tarmac-agent.mjs, the bundle it ships as) against the real control plane, Podman\'s Docker API socket and the local test registry',
          'the replace is a real rollout of one host: drain, pull, replace (create v2, stop v1, start v2), health check, restore',
        ],
        rows: [
          { metric: 'agent RSS idle (end of the idle window)', value: round(idle.endRssMb), unit: 'MiB', target: '≤ 60 MB', met: idle.endRssMb <= 60 },
          { metric: 'agent CPU idle (avg)', value: round(idle.avgCpuPercent, 2), unit: '% of one core' },
          { metric: 'agent RSS peak during the replace', value: round(during.peakRssMb), unit: 'MiB', target: '≤ 60 MB', met: during.peakRssMb <= 60 },
          { metric: 'agent CPU during the replace (avg / peak)', value: `${round(during.avgCpuPercent)} / ${round(during.peakCpuPercent)}`, unit: '% of one core' },
          { metric: 'agent CPU time for the replace', value: round(during.cpuSeconds, 2), unit: 's' },
          { metric: 'replace rollout wall time (POST → succeeded)', value: round((replace.to - replace.from) / 1000, 2), unit: 's' },
          { metric: 'agent RSS peak overall', value: round(overall), unit: 'MiB' },
        ],
        data: { idle, during, replaceMs: replace.to - replace.from },
      };
    } finally {
      agent?.kill('SIGTERM');
      await new Promise((resolve) => (agent && agent.exitCode === null ? agent.once('exit', resolve) : resolve(undefined)));
      const leftovers = await docker.listContainers({ all: true, filters: { label: [`tarmac.host=${hostname}`] } }).catch(() => []);
      await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      await fixtures.close();
      await controlPlane.stop();
      await database.drop();
      await rm(stateDir, { recursive: true, force: true });
    }
  },
};
