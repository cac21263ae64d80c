// DockerEngine against the real engine the test runner provides (Podman here).
import Docker from 'dockerode';
import { HOST_LABEL, MANAGED_LABEL } from '../../../libs/protocol/src/index.js';
import { DockerEngine } from './engine.js';
import { testEngineSocket, testImage } from './testing/test-engine.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const suffix = `${process.pid}-${Date.now()}`;
const hostname = `agent-engine-spec-${suffix}`;
const created: Docker.Container[] = [];
let image: string;

beforeAll(async () => {
  image = await testImage(docker, process.env);
});

async function createManaged(name: string, host: string, labels: Record<string, string> = {}): Promise<Docker.Container> {
  const container = await docker.createContainer({
    name,
    Image: image,
    Cmd: ['/bin/busybox', 'sleep', '600'],
    Labels: { [MANAGED_LABEL]: 'true', [HOST_LABEL]: host, 'tarmac.test': 'true', ...labels },
    HostConfig: { NetworkMode: 'host', Init: true },
  });
  created.push(container);
  return container;
}

afterAll(async () => {
  await Promise.all(created.map((c) => c.remove({ force: true }).catch(() => undefined)));
});

describe('DockerEngine on a real engine', () => {
  const engine = new DockerEngine(socketPath);

  it('answers a ping', async () => {
    await expect(engine.ping()).resolves.toBeUndefined();
  });

  it('reports its identity once and caches it', async () => {
    const identity = await engine.identity();
    expect(identity.name).toMatch(/engine/i);
    expect(identity.version).toMatch(/^\d+\.\d+/);
    expect(identity.apiVersion).toMatch(/^\d+\.\d+/);
    const started = performance.now();
    await expect(engine.identity()).resolves.toEqual(identity);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('lists the managed containers of its host, in every state, and no others', async () => {
    const running = await createManaged(`${hostname}-running`, hostname);
    await running.start();
    const stopped = await createManaged(`${hostname}-created`, hostname);
    await createManaged(`${hostname}-other-host`, `${hostname}-elsewhere`);
    await createManaged(`${hostname}-unmanaged`, hostname, { [MANAGED_LABEL]: 'false' });

    const listed = await engine.listManagedContainers(hostname);

    expect(listed.map((c) => c.name).sort()).toEqual([`${hostname}-created`, `${hostname}-running`]);
    expect(listed.find((c) => c.id === running.id)).toMatchObject({ name: `${hostname}-running`, state: 'running' });
    expect(listed.find((c) => c.id === stopped.id)).toMatchObject({ state: 'created' });
    expect(listed.map((c) => c.image)).toEqual([image, image]);
    expect(await engine.listManagedContainers(`${hostname}-elsewhere`)).toHaveLength(1);
    expect(await engine.listManagedContainers(`${hostname}-nobody`)).toEqual([]);
  });

  it('rejects with the reason when the socket does not exist', async () => {
    const absent = new DockerEngine('/nonexistent/tarmac/engine.sock');
    await expect(absent.ping()).rejects.toThrow(/ENOENT/);
    await expect(absent.identity()).rejects.toThrow(/ENOENT/);
  });
});
