// container:replace against the real engine, registry and test images (v1/v2 busybox
// httpd answering on $PORT), on the host network, each test on its own port.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Command } from '../../../../libs/protocol/src/index.js';
import { freePort, removeOwnContainers, replaceCommand, testImages, waitForBody, httpGet } from '../testing/test-commands.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { DockerContainerEngine } from '../container-engine.js';
import { testHost } from '../testing/test-host.js';
import { executeCommand, type HostFacilities } from './execute.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const { v1, v2, registry } = testImages(process.env);
let counter = 0;

afterAll(() => removeOwnContainers(docker));

/** A host of its own per test (its containers are its own), sharing one config root. */
function replaceHost(keepStopped = 2): HostFacilities {
  return testHost(`replace-${++counter}`, { keepStopped, configRoot: join(tmpdir(), `tarmac-replace-${process.pid}`, 'services') });
}

async function run(host: HostFacilities, command: Command) {
  const progress: string[] = [];
  const outcome = await executeCommand(command, host, { progress: (m) => progress.push(m), signal: new AbortController().signal });
  return { outcome, progress };
}

async function completed(host: HostFacilities, command: Command) {
  const { outcome } = await run(host, command);
  if (outcome.outcome !== 'completed') throw new Error(`expected completion, got ${outcome.reason}: ${outcome.message}`);
  return outcome.result;
}

async function containersOf(host: HostFacilities, service: string) {
  const listed = await host.engine.listServiceContainers(host.hostname, service);
  return Object.fromEntries(listed.map((c) => [c.name, c.running ? 'running' : 'stopped']));
}

describe('container:replace on a real engine', () => {
  it('replaces v1 by v2: the old one stopped and kept, labels, host config; a repeat creates nothing', async () => {
    const host = replaceHost();
    const port = await freePort();
    const first = await completed(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    expect(first).toEqual({ containerId: expect.any(String), containerName: `${host.hostname}-web-r1`, previousContainerId: null });
    expect(await waitForBody(port)).toBe('v1');

    const mountDir = await mkdtemp(join(tmpdir(), 'tarmac-agent-mount-'));
    const v2Command = replaceCommand({ service: 'web', release: 'r2', image: v2, port });
    v2Command.container.resources = { memoryMb: 64, cpus: 0.5 };
    v2Command.container.mounts = [{ source: mountDir, target: '/config', readOnly: true }];
    const second = await completed(host, v2Command);

    expect(second).toEqual({ containerId: expect.any(String), containerName: `${host.hostname}-web-r2`, previousContainerId: first.containerId });
    expect(await waitForBody(port)).toBe('v2');
    expect(await containersOf(host, 'web')).toEqual({ [`${host.hostname}-web-r1`]: 'stopped', [`${host.hostname}-web-r2`]: 'running' });
    const details = await docker.getContainer(String(second.containerId)).inspect();
    expect(details.Config.Labels).toMatchObject({
      'tarmac.managed': 'true',
      'tarmac.host': host.hostname,
      'tarmac.service': 'web',
      'tarmac.release': 'r2',
      'tarmac.test': 'true',
    });
    expect(details.Config.Env).toContain(`PORT=${port}`);
    expect(details.HostConfig).toMatchObject({ NetworkMode: 'host', Init: true, Memory: 64 * 1024 * 1024, NanoCpus: 500_000_000 });
    expect(details.Mounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Source: mountDir, Destination: '/config', RW: false }),
        expect.objectContaining({ Source: join(host.configRoot, 'web'), Destination: '/www/tarmac', RW: false }),
      ]),
    );
    expect(details.Mounts).toHaveLength(2);

    // The same command again (the agent died before journaling the end): nothing new.
    const repeat = await completed(host, v2Command);
    expect(repeat).toEqual({ ...second, previousContainerId: first.containerId });
    expect(await containersOf(host, 'web')).toEqual({ [`${host.hostname}-web-r1`]: 'stopped', [`${host.hostname}-web-r2`]: 'running' });
    expect(await waitForBody(port)).toBe('v2');
    await rm(mountDir, { recursive: true, force: true });
  });

  it('prunes stopped containers beyond --keep-stopped, oldest first', async () => {
    const host = replaceHost(1);
    const port = await freePort();
    for (const [release, image] of [['r1', v1], ['r2', v2], ['r3', v1], ['r4', v2]]) {
      await completed(host, replaceCommand({ service: 'api', release, image, port }));
    }
    expect(await containersOf(host, 'api')).toEqual({ [`${host.hostname}-api-r3`]: 'stopped', [`${host.hostname}-api-r4`]: 'running' });
    expect(await waitForBody(port)).toBe('v2');
  });

  it('rolls back by starting the kept container of the earlier release', async () => {
    const host = replaceHost();
    const port = await freePort();
    const r1 = await completed(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    const r2 = await completed(host, replaceCommand({ service: 'web', release: 'r2', image: v2, port }));
    const back = await completed(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    expect(back).toEqual({ containerId: r1.containerId, containerName: r1.containerName, previousContainerId: r2.containerId });
    expect(await waitForBody(port)).toBe('v1');
  });

  it('fails with the registry message on an unknown tag and leaves the old container serving', async () => {
    const host = replaceHost();
    const port = await freePort();
    await completed(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    await waitForBody(port);

    const missing = `${registry}/tarmac-test/web:does-not-exist`;
    const { outcome } = await run(host, replaceCommand({ service: 'web', release: 'r2', image: missing, port }));

    expect(outcome).toEqual({ outcome: 'failed', reason: 'IMAGE_PULL_FAILED', message: expect.stringContaining(`pull of ${missing} failed: `) });
    expect((outcome as { message: string }).message).toMatch(/manifest unknown|not found/i);
    expect(await containersOf(host, 'web')).toEqual({ [`${host.hostname}-web-r1`]: 'running' });
    expect(await waitForBody(port)).toBe('v1');
  });

  it('starts the old container again when the new one will not start', async () => {
    const host = replaceHost();
    const port = await freePort();
    await completed(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    await waitForBody(port);

    const broken = replaceCommand({ service: 'web', release: 'r2', image: v2, port, command: ['/no/such/program'] });
    const { outcome } = await run(host, broken);

    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'CONTAINER_START_FAILED' });
    expect((outcome as { message: string }).message).toMatch(
      new RegExp(`^starting ${host.hostname}-web-r2 failed: .+; restarted the previous container ${host.hostname}-web-r1$`),
    );
    expect(await waitForBody(port)).toBe('v1');
    expect(await containersOf(host, 'web')).toMatchObject({ [`${host.hostname}-web-r1`]: 'running' });
  });

  it('reports ENGINE_UNREACHABLE when the engine does not answer', async () => {
    const host = { ...replaceHost(), engine: new DockerContainerEngine('/nonexistent/tarmac/engine.sock') };
    const { outcome } = await run(host, replaceCommand({ service: 'web', release: 'r1', image: v1, port: 1 }));
    expect(outcome).toEqual({ outcome: 'failed', reason: 'ENGINE_UNREACHABLE', message: expect.stringMatching(/container engine unreachable: .*ENOENT/) });
    expect(await httpGet(1)).toHaveProperty('error');
  });
});
