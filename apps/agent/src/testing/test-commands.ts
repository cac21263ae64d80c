// For agent tests: commands as the control plane would send them, free ports for the test
// images' httpd ($PORT), and cleanup of the containers this test process made.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { commandKey, ContainerReplace, HealthCheckCommand } from '../../../../libs/protocol/src/index.js';
import type { ContainerReplaceCommand } from '../commands/container-replace.js';
import type { HealthCheckCommandType } from '../commands/health-check.js';
import { TEST_CONTAINER_LABELS } from './test-runner.js';

export function testImages(env: NodeJS.ProcessEnv): { v1: string; v2: string; registry: string } {
  const { TARMAC_TEST_IMAGE_V1: v1, TARMAC_TEST_IMAGE_V2: v2, TARMAC_TEST_REGISTRY: registry } = env;
  if (!v1 || !v2 || !registry) {
    throw new Error('TARMAC_TEST_IMAGE_V1/V2 and TARMAC_TEST_REGISTRY are not set: eval "$(scripts/test-services.sh start)"');
  }
  return { v1, v2, registry };
}

export function testKey(hostname: string, step: string, attempt = 1): string {
  return commandKey({ rolloutId: randomUUID(), step, hostname, attempt });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function replaceCommand(options: { service: string; release: string; image: string; port: number; command?: string[] }): ContainerReplaceCommand {
  return ContainerReplace.parse({
    type: 'container:replace',
    service: options.service,
    release: options.release,
    image: options.image,
    container: {
      ports: [{ container: options.port }],
      env: { PORT: String(options.port) },
      ...(options.command ? { command: options.command } : {}),
      healthCheck: { type: 'http', path: '/', port: options.port, timeoutMs: 500, intervalMs: 500 },
    },
  });
}

export function httpHealth(service: string, port: number, withinMs: number): HealthCheckCommandType {
  return HealthCheckCommand.parse({
    type: 'health:check',
    service,
    withinMs,
    check: { type: 'http', path: '/', port, expectStatus: 200, timeoutMs: 300, intervalMs: 500 },
  });
}

/** Removes every container this test process made (by the owner label). */
export async function removeOwnContainers(docker: Docker): Promise<void> {
  const owned = await docker.listContainers({ all: true, filters: { label: [`tarmac.test.owner=${TEST_CONTAINER_LABELS['tarmac.test.owner']}`] } });
  await Promise.all(owned.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

export async function httpGet(port: number, path = '/'): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { error: String((error as Error & { cause?: Error }).cause?.message ?? error) };
  }
}

/** Polls until the test image answers on `port` (its httpd takes a moment after start). */
export async function waitForBody(port: number, timeoutMs = 5_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await httpGet(port);
    if ('status' in answer && answer.status === 200) return answer.body.trim();
    if (Date.now() > deadline) throw new Error(`nothing served on ${port}: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
