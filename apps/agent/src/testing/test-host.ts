// What executor tests on the real engine give `executeCommand` as the host: the test
// engine's socket, the host network, a fresh config root under the temp dir (removed by
// removeTestHostFiles), the labels that mark test containers, and a logger that keeps
// lines. Traffic state is not part of it: a test that drains or restores brings its own.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { HostFacilities } from '../commands/execute.js';
import { DockerContainerEngine } from '../container-engine.js';
import { testEngineSocket } from './test-engine.js';
import { captureLogger, TEST_CONTAINER_LABELS } from './test-runner.js';

export function testHost(name: string, overrides: Partial<HostFacilities> = {}): HostFacilities {
  return {
    engine: new DockerContainerEngine(testEngineSocket(process.env)),
    hostname: `${name}-${process.pid}`,
    containerNetwork: 'host',
    keepStopped: 2,
    configRoot: join(mkdtempSync(join(tmpdir(), `tarmac-${name}-`)), 'services'),
    extraLabels: TEST_CONTAINER_LABELS,
    traffic: {
      set: async () => {
        throw new Error(`the test host ${name} has no traffic state`);
      },
    },
    logger: captureLogger().logger,
    ...overrides,
  };
}

/** Removes the temp dir holding a test host's config root. */
export async function removeTestHostFiles(host: Pick<HostFacilities, 'configRoot'>): Promise<void> {
  await rm(dirname(host.configRoot), { recursive: true, force: true });
}
