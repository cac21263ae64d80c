// The container engine the end-to-end tests run against: Podman behind the
// Docker Engine API, on the socket scripts/test-services.sh started.
import Docker from 'dockerode';
import { testEnv } from './test-env.js';

/** Every container a test makes carries this label; removeTestContainers() and
 * `scripts/test-services.sh stop` remove them by it. */
export const TEST_LABEL = 'tarmac.test';
/** Which test process made a container: jest runs files in parallel workers, and one
 * file's cleanup must not remove another file's containers mid-test. */
const OWNER_LABEL = 'tarmac.test.owner';
const OWNER = String(process.pid);

let engine: Docker | undefined;

export function testEngine(): Docker {
  engine ??= new Docker({ socketPath: testEnv().engineSocket });
  return engine;
}

export interface ManagedContainerSpec {
  /** The simulated host the container belongs to (`tarmac.host` label). */
  hostname: string;
  /** Container name; names are global on the one engine, so put the host in it. */
  name: string;
  image: string;
  /** Port the test image's HTTP server listens on (its PORT variable). */
  port: number;
  /** `host` (default) or `ns:/run/netns/NAME` for a simulated host's namespace. */
  networkMode?: string;
  labels?: Record<string, string>;
}

/** Pulls an image through the engine unless it is already there. Pull errors come
 * as events inside the progress stream, not as a rejection, so each is checked. */
export async function ensureImage(image: string): Promise<void> {
  const docker = testEngine();
  try {
    await docker.getImage(image).inspect();
    return;
  } catch {
    // not present: pull below
  }
  const stream = await docker.pull(image);
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: Array<{ error?: string }>) => {
        const failed = events?.find((event) => event.error);
        if (error) reject(error);
        else if (failed) reject(new Error(`pull of ${image} failed: ${failed.error}`));
        else resolve();
      },
    );
  });
}

/** Creates and starts a container as an agent would manage it, marked as a test container. */
export async function startManagedContainer(spec: ManagedContainerSpec): Promise<Docker.Container> {
  await ensureImage(spec.image);
  const container = await testEngine().createContainer({
    name: spec.name,
    Image: spec.image,
    Env: [`PORT=${spec.port}`],
    Labels: {
      ...spec.labels,
      'tarmac.managed': 'true',
      'tarmac.host': spec.hostname,
      [TEST_LABEL]: 'true',
      [OWNER_LABEL]: OWNER,
    },
    // NetworkMode always set: without it Podman puts the container on its bridge.
    // Init: a PID 1 that ignores SIGTERM would make every stop wait for the timeout.
    HostConfig: { NetworkMode: spec.networkMode ?? 'host', Init: true },
  });
  await container.start();
  return container;
}

/** Force-removes the test containers this process made (`scripts/test-services.sh stop` removes the rest). */
export async function removeTestContainers(): Promise<void> {
  const docker = testEngine();
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${TEST_LABEL}=true`, `${OWNER_LABEL}=${OWNER}`] },
  });
  await Promise.all(
    containers.map(async (info) => {
      try {
        await docker.getContainer(info.Id).remove({ force: true });
      } catch (error) {
        // Already gone (another cleanup won the race) is fine; anything else is not.
        if ((error as { statusCode?: number }).statusCode !== 404) throw error;
      }
    }),
  );
}
