// Proves the multi-host helpers on the real machine: host namespaces with their own
// addresses, one container per host on the same port, a control plane and an agent
// reached from inside a namespace, the bad image, and a registry outage.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { agentStateDir, NAMESPACE_AGENT_LB_PORT, removeAgentStateDirs, startAgentInNamespace } from './agents.js';
import { startTestControlPlane, type TestControlPlane } from './control-plane.js';
import { removeTestContainers, startManagedContainer, testEngine } from './engine.js';
import { badImage, TEST_IMAGE_PORT } from './images.js';
import { createHostNamespaces, execInNamespace, fetchFromNamespace, removeHostNamespaces, type HostNamespace } from './netns.js';
import { killAll } from './processes.js';
import { OutageRegistry } from './outage-registry.js';
import { testEnv } from './test-env.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

const agentStateDirEntries = (dir: string) => readdir(dir);

async function body(url: string): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return response.ok ? (await response.text()).trim() : undefined;
}

describe('host namespaces', () => {
  let hosts: HostNamespace[];
  let cp: TestControlPlane | undefined;

  beforeAll(async () => {
    hosts = await createHostNamespaces(2);
  });

  afterAll(async () => {
    await killAll();
    await removeTestContainers();
    await cp?.close();
    await removeHostNamespaces();
    removeAgentStateDirs();
  });

  it('gives each host its own namespace, /24 and default route through the root side', async () => {
    const [a, b] = hosts as [HostNamespace, HostNamespace];
    expect(a.name).not.toBe(b.name);
    expect(a.subnetIndex).not.toBe(b.subnetIndex);
    for (const ns of hosts) {
      expect(ns.name).toMatch(new RegExp(`^tm${process.pid}h\\d+$`));
      expect(ns.netnsPath).toBe(`/run/netns/${ns.name}`);
      expect(existsSync(ns.netnsPath)).toBe(true);
      expect(ns.gatewayAddress).toBe(`10.99.${ns.subnetIndex}.1`);
      expect(ns.hostAddress).toBe(`10.99.${ns.subnetIndex}.2`);
      expect(await execInNamespace(ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0'])).toContain(`${ns.hostAddress}/24`);
      expect(await execInNamespace(ns, 'ip', ['route', 'show', 'default'])).toContain(`default via ${ns.gatewayAddress} dev eth0`);
      expect(await execInNamespace(ns, 'ip', ['-o', 'link', 'show', 'lo'])).toMatch(/<LOOPBACK,UP/);
      // The root side is the only address of that /24 in the root namespace.
      const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'to', `10.99.${ns.subnetIndex}.0/24`]);
      expect(stdout.trim().split('\n')).toEqual([expect.stringContaining(`${ns.vethName}    inet ${ns.gatewayAddress}/24`)]);
    }
  });

  it('runs one container per host on the same port, each answering on its host address and on the host loopback', async () => {
    const images = [testEnv().imageV1, testEnv().imageV2];
    await Promise.all(
      hosts.map((ns, i) =>
        startManagedContainer({
          hostname: ns.name,
          name: `${ns.name}-web`,
          image: images[i]!,
          port: TEST_IMAGE_PORT,
          networkMode: `ns:${ns.netnsPath}`,
        }),
      ),
    );
    for (const [i, ns] of hosts.entries()) {
      const expected = `v${i + 1}`;
      // From the root namespace, as the control plane or a test sees the host.
      const seen = await waitFor(() => body(`http://${ns.hostAddress}:${TEST_IMAGE_PORT}/`), {
        timeoutMs: 15_000,
        description: `${ns.name}'s container on ${ns.hostAddress}:${TEST_IMAGE_PORT}`,
      });
      expect(seen).toBe(expected);
      // From inside, as the host's agent probes it.
      const inside = await fetchFromNamespace(ns, `http://127.0.0.1:${TEST_IMAGE_PORT}/`);
      expect({ status: inside.status, body: inside.body.trim() }).toEqual({ status: 200, body: expected });
    }
  });

  it('reaches a control plane bound to 0.0.0.0 from inside a namespace, and runs an agent there', async () => {
    cp = await startTestControlPlane({}, undefined, { host: '0.0.0.0' });
    const ns = hosts[0]!;
    const url = cp.urlFor(ns);
    expect(url).toBe(`http://${ns.gatewayAddress}:${new URL(cp.url).port}`);
    const health = await fetchFromNamespace(ns, `${url}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const hostname = `${ns.name}-agent`;
    const { token } = await cp.issueAgentToken(hostname);
    const hostState = async () =>
      (await cp!.http().get(`/api/v1/hosts/${hostname}`).set('Authorization', `Bearer ${cp!.adminToken}`)).body as { status?: string };
    const online = (agent: ReturnType<typeof startAgentInNamespace>, description: string) =>
      waitFor(async () => (await hostState()).status === 'online', { timeoutMs: 20_000, description }).catch((error: Error) => {
        throw new Error(`${error.message}\nagent omitted ${agent.omittedFlags.join(' ') || 'no flags'}; its output:\n${(agent.stdout + agent.stderr).slice(-3_000)}`);
      });
    const options = { server: url, token, hostname, datacenter: 'tc', } as const;
    const agent = startAgentInNamespace(ns, options);
    expect(agent.stateDir).toBe(agentStateDir(hostname));
    expect(agent.omittedFlags).toEqual([]); // the built agent has them all
    await online(agent, `${hostname} online`);
    // Its load balancer endpoint listens in the namespace, on the host's own address.
    const lb = await fetch(`http://${ns.hostAddress}:${NAMESPACE_AGENT_LB_PORT}/lb/web`, { signal: AbortSignal.timeout(2_000) });
    expect([200, 503]).toContain(lb.status);
    expect(await agentStateDirEntries(agent.stateDir)).not.toEqual([]);

    // A restart of the same agent keeps its state dir.
    await agent.kill('SIGTERM');
    const again = startAgentInNamespace(ns, options);
    expect(again.stateDir).toBe(agent.stateDir);
    expect(again.omittedFlags).toEqual(agent.omittedFlags);
    await online(again, `${hostname} online again`);
  });

  it('has a bad image whose container exits at once with code 1', async () => {
    const container = await startManagedContainer({
      hostname: hosts[1]!.name,
      name: `${hosts[1]!.name}-bad`,
      image: badImage(),
      port: TEST_IMAGE_PORT,
      networkMode: `ns:${hosts[1]!.netnsPath}`,
    });
    const exit = (await container.wait()) as { StatusCode: number };
    expect(exit.StatusCode).toBe(1);
  });

  it('stops a registry (pulls fail) and starts it again with its images', async () => {
    // A registry of this test's own: stopping the shared one would fail other tests' pulls.
    const registry = new OutageRegistry();
    try {
      await registry.start();
      await registry.push(testEnv().imageV1, 'tarmac-test/web', 'netns');
      await registry.stop();
      // What an agent sees: the pull does not reject, an event carries the error.
      const docker = testEngine();
      const events = await new Promise<Array<{ error?: string }>>((resolve, reject) => {
        docker.pull(`${registry.address}/tarmac-test/web:netns`, (error: Error | null, stream: NodeJS.ReadableStream) => {
          if (error) return resolve([{ error: error.message }]);
          docker.modem.followProgress(stream, (failure: Error | null, all: Array<{ error?: string }>) =>
            failure ? resolve([{ error: failure.message }]) : resolve(all),
          );
        });
        setTimeout(() => reject(new Error('pull neither failed nor finished in 30 s')), 30_000).unref();
      });
      expect(events.some((event) => event.error)).toBe(true);
      await registry.start();
      const tags = (await (await fetch(`http://${registry.address}/v2/tarmac-test/web/tags/list`)).json()) as { tags: string[] };
      expect(tags.tags).toEqual(['netns']);
    } finally {
      await registry.close();
    }
  });

  it('removes the namespaces and their veth pairs', async () => {
    await killAll();
    await removeTestContainers();
    await removeHostNamespaces();
    const { stdout: namespaces } = await run('ip', ['netns', 'list']);
    const { stdout: links } = await run('ip', ['-o', 'link', 'show']);
    for (const ns of hosts) {
      expect(namespaces).not.toContain(ns.name);
      expect(links).not.toContain(ns.vethName);
      expect(existsSync(ns.netnsPath)).toBe(false);
    }
  });
});
