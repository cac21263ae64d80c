// For agent tests against a real container engine: the socket the shared test runner
// provides, and a busybox image to create managed containers from.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

const BUILT_IMAGE = 'localhost/tarmac-agent-test:busybox';

export function testEngineSocket(env: NodeJS.ProcessEnv): string {
  const socket = env.TARMAC_TEST_ENGINE_SOCKET;
  if (!socket) {
    throw new Error(
      'TARMAC_TEST_ENGINE_SOCKET is not set: these tests need a real Docker-API engine ' +
        '(e.g. `podman system service --time=0 unix:///tmp/x/podman.sock`, see ENVIRONMENT.md)',
    );
  }
  return socket.replace(/^unix:\/\//, '');
}

/** TARMAC_TEST_IMAGE_V1 when the runner provides it (pulled if absent), else a busybox image built here. */
export async function testImage(docker: Docker, env: NodeJS.ProcessEnv): Promise<string> {
  const given = env.TARMAC_TEST_IMAGE_V1;
  if (given) {
    if (!(await hasImage(docker, given))) await follow(docker, await docker.pull(given));
    return given;
  }
  if (await hasImage(docker, BUILT_IMAGE)) return BUILT_IMAGE;
  const context = await mkdtemp(join(tmpdir(), 'tarmac-agent-image-'));
  try {
    await copyFile('/bin/busybox', join(context, 'busybox'));
    await writeFile(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox", "httpd", "-f", "-p", "18081", "-h", "/"]\n',
    );
    await follow(docker, await docker.buildImage({ context, src: ['Dockerfile', 'busybox'] }, { t: BUILT_IMAGE }));
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return BUILT_IMAGE;
}

async function hasImage(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

// Build and pull failures arrive as `{ error }` events inside the stream, not as rejections.
function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
      const failed = events?.find((event) => event.error);
      if (error) reject(error);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}
