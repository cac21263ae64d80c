// The signal collector against the real engine (Podman) and the flaky test image, whose
// /cgi-bin/app answers 500 to about half of the requests and logs each one to stderr in
// Common Log Format: the sample counts what the client saw, by status, exactly once.
import Docker from 'dockerode';
import type { HostSignals } from '../../../../libs/protocol/src/index.js';
import { executeCommand } from '../commands/execute.js';
import { DockerContainerEngine } from '../container-engine.js';
import { freePort, httpGet, removeOwnContainers, replaceCommand, waitForBody } from '../testing/test-commands.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { removeTestHostFiles, testHost } from '../testing/test-host.js';
import { captureLogger } from '../testing/test-runner.js';
import { SignalCollector } from './signal-collector.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const flaky = process.env.TARMAC_TEST_IMAGE_FLAKY;
if (!flaky) throw new Error('TARMAC_TEST_IMAGE_FLAKY is not set: eval "$(scripts/test-services.sh start)"');
const hostname = `signals-${process.pid}`;
const { logger, logs } = captureLogger();
const host = testHost('signals', { hostname, logger });

afterAll(async () => {
  await removeOwnContainers(docker);
  await removeTestHostFiles(host);
});

async function requests(port: number, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const answer = await httpGet(port, `/cgi-bin/app?i=${i}`);
    if (!('status' in answer)) throw new Error(`request failed: ${answer.error}`);
    seen[answer.status] = (seen[answer.status] ?? 0) + 1;
  }
  return seen;
}

describe('signals on a real engine', () => {
  it("counts the flaky release's access lines by status, once each, and notices it stopped", async () => {
    const port = await freePort();
    const replaced = await executeCommand(replaceCommand({ service: 'web', release: 'flaky', image: flaky, port }), host, {
      progress: () => undefined,
      signal: new AbortController().signal,
    });
    expect(replaced).toMatchObject({ outcome: 'completed' });
    expect(await waitForBody(port)).toBe('flaky');
    const collector = new SignalCollector({
      engine: new DockerContainerEngine(socketPath),
      hostname,
      intervalMs: 1_000,
      deliver: async () => ({ kind: 'acknowledged' }),
      logger,
    });
    const sample = async (): Promise<HostSignals['containers'][number]> => {
      const signals = await collector.sample();
      expect(signals?.containers).toHaveLength(1);
      return signals!.containers[0]!;
    };
    await sample();

    const seen = await requests(port, 30);
    expect(Object.keys(seen).sort()).toEqual(['200', '500']);
    const second = await sample();
    expect(second).toMatchObject({ service: 'web', release: 'flaky', image: flaky, healthy: true, healthFailures: 0, restarts: 0, errorLines: 0 });
    expect(second.statusCounts).toEqual(seen);
    expect(second.memoryBytes).toBeGreaterThan(0);

    // Podman stamps log lines in whole seconds: lines in the second already read count once.
    const more = await requests(port, 5);
    expect((await sample()).statusCounts).toEqual(more);
    expect((await sample()).statusCounts).toEqual({});

    const [container] = await docker.listContainers({ filters: { label: [`tarmac.host=${hostname}`] } });
    await docker.getContainer(container!.Id).kill();
    const stopped = await sample();
    expect(stopped).toMatchObject({ restarts: 1, healthy: false, healthFailures: 1 });
    expect(stopped.statusCounts).toEqual({});
    expect(await collector.sample()).toBeUndefined();
    expect(logs.filter((line) => / (warn|error) /.test(line))).toEqual([]);
  });
});
