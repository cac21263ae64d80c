// The collector over an in-memory engine: deltas across rounds, restarts, health, the
// engine going away, delivery without queueing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostSignals } from '../../../../libs/protocol/src/index.js';
import { HEALTH_LABEL, SIGNALS_LABEL } from '../container-engine.js';
import { MemoryEngine, type MemoryContainer } from '../testing/memory-engine.js';
import { captureLogger } from '../testing/test-runner.js';
import { SignalCollector, type SignalCollectorOptions, type SignalsDelivery } from './signal-collector.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const access = (status: number, micros?: number) => `10.0.0.1 - - [01/Jan/2030:00:00:00 +0000] "GET / HTTP/1.1" ${status} 3${micros === undefined ? '' : ` ${micros}`}`;

function setup(overrides: Partial<SignalCollectorOptions> = {}) {
  const engine = new MemoryEngine('h1');
  let now = T0 + 10_000;
  const { logger, logs } = captureLogger();
  const delivered: HostSignals[] = [];
  const collector = new SignalCollector({
    engine,
    hostname: 'h1',
    intervalMs: 5_000,
    deliver: async (signals) => {
      delivered.push(signals);
      return { kind: 'acknowledged' };
    },
    logger,
    now: () => now,
    ...overrides,
  });
  return { engine, collector, logs, delivered, advance: (ms: number) => (now += ms), at: () => now };
}

function only(signals: HostSignals | undefined, release?: string) {
  expect(signals).toBeDefined();
  const found = signals!.containers.filter((c) => release === undefined || c.release === release);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('SignalCollector', () => {
  it('sends nothing for a host without running managed containers', async () => {
    const { engine, collector } = setup();
    engine.add('web', 'r1', { state: 'exited' });
    engine.add('web', 'r2', { labels: { 'tarmac.managed': 'true', 'tarmac.host': 'other', 'tarmac.service': 'web', 'tarmac.release': 'r2' } });
    expect(await collector.sample()).toBeUndefined();
  });

  it('counts access and error lines once each, as deltas across rounds', async () => {
    const { engine, collector, advance, at } = setup();
    const web = engine.add('web', 'r1', { startedAt: T0 + 9_000 });
    engine.write(web, T0 + 9_000, access(200, 2000));
    engine.write(web, T0 + 9_000, access(500));
    engine.write(web, T0 + 9_500, 'ERROR cannot reach db');

    expect(only(await collector.sample())).toEqual({
      service: 'web',
      release: 'r1',
      image: 'registry.test/web:r1',
      healthy: null,
      healthFailures: 0,
      restarts: 0,
      cpuPercent: 0,
      memoryBytes: 1_000_000,
      statusCounts: { '200': 1, '500': 1 },
      latencyMsSum: 2,
      latencyCount: 1,
      errorLines: 1,
    });

    // Same second as the last line read: only the new one counts.
    engine.write(web, T0 + 9_000, access(404));
    engine.write(web, at(), access(200, 1000));
    advance(5_000);
    expect(only(await collector.sample())).toMatchObject({ statusCounts: { '200': 1, '404': 1 }, latencyMsSum: 1, errorLines: 0 });
    advance(5_000);
    expect(only(await collector.sample())).toMatchObject({ statusCounts: {}, latencyCount: 0, errorLines: 0 });
  });

  it('reads a new container from its start, an old one only one interval back', async () => {
    const { engine, collector, at } = setup();
    const fresh = engine.add('web', 'r1', { startedAt: at() - 2_000 });
    const old = engine.add('api', 'r1', { startedAt: T0 - 3_600_000 });
    await collector.sample();
    const since = (c: MemoryContainer) => engine.logReads.find((read) => read.id === c.id)!.sinceSeconds * 1000;
    expect(since(fresh)).toBe(at() - 2_000);
    expect(since(old)).toBe(at() - 5_000);
  });

  it('computes CPU from the previous sample when the engine gives no precpu', async () => {
    const { engine, collector } = setup();
    const web = engine.add('web', 'r1');
    web.stats = { ...web.stats, cpuTotalNs: 1e9, systemCpuNs: 10e9 };
    expect(only(await collector.sample()).cpuPercent).toBe(0);
    web.stats = { ...web.stats, cpuTotalNs: 2e9, systemCpuNs: 20e9, memoryBytes: 42 };
    expect(only(await collector.sample())).toMatchObject({ cpuPercent: 20, memoryBytes: 42 });
  });

  it('counts a restart for a container found stopped, once, with its last log lines', async () => {
    const { engine, collector, at } = setup();
    const web = engine.add('web', 'r1');
    await collector.sample();
    web.state = 'exited';
    engine.write(web, at(), 'FATAL: out of memory');
    expect(only(await collector.sample())).toMatchObject({ restarts: 1, healthy: null, errorLines: 1, cpuPercent: 0, memoryBytes: 0 });
    expect(await collector.sample()).toBeUndefined();
  });

  it('adds the engine restart count, without counting twice a restart it saw stopped', async () => {
    const { engine, collector } = setup();
    const web = engine.add('web', 'r1', { restartCount: 3 });
    expect(only(await collector.sample()).restarts).toBe(0);
    web.state = 'restarting';
    expect(only(await collector.sample()).restarts).toBe(1);
    web.state = 'running';
    web.restartCount = 5;
    expect(only(await collector.sample()).restarts).toBe(1);
  });

  it('counts no restart for a container stopped for its successor (replace)', async () => {
    const { engine, collector } = setup();
    const r1 = engine.add('web', 'r1');
    await collector.sample();
    r1.state = 'exited';
    engine.add('web', 'r2', { state: 'created' });
    expect(await collector.sample()).toBeUndefined();
  });

  it('probes the health check once per round: HTTP on the port, command by exec', async () => {
    let status = 200;
    const server: Server = createServer((_request, response) => response.writeHead(status).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { engine, collector } = setup();
      engine.add('web', 'r1', { labels: { ...labels('web', 'r1'), [HEALTH_LABEL]: JSON.stringify({ type: 'http', path: '/', port, expectStatus: 200, timeoutMs: 500, intervalMs: 1000 }) } });
      const worker = engine.add('worker', 'r1', { labels: { ...labels('worker', 'r1'), [HEALTH_LABEL]: JSON.stringify({ type: 'command', command: ['/bin/true'], timeoutMs: 500, intervalMs: 1000 }) } });
      expect((await collector.sample())!.containers.map((c) => [c.service, c.healthy, c.healthFailures])).toEqual([
        ['web', true, 0],
        ['worker', true, 0],
      ]);
      status = 503;
      worker.execExitCode = 1;
      expect((await collector.sample())!.containers.map((c) => [c.service, c.healthy, c.healthFailures])).toEqual([
        ['web', false, 1],
        ['worker', false, 1],
      ]);
    } finally {
      server.close();
    }
  });

  it('reads the log format from the container label', async () => {
    const { engine, collector, at } = setup();
    const web = engine.add('web', 'r1', { labels: { ...labels('web', 'r1'), [SIGNALS_LABEL]: JSON.stringify({ accessLog: 'json', errorPatterns: ['boom'] }) } });
    engine.write(web, at(), '{"status":201,"latencyMs":4}');
    engine.write(web, at(), access(500));
    engine.write(web, at(), 'boom');
    expect(only(await collector.sample())).toMatchObject({ statusCounts: { '201': 1 }, latencyMsSum: 4, errorLines: 1 });
  });

  it('makes no sample while the engine is unreachable, and loses no line meanwhile', async () => {
    const { engine, collector, logs, at, advance } = setup();
    const web = engine.add('web', 'r1');
    await collector.sample();
    engine.reachable = false;
    engine.write(web, at(), access(200));
    expect(await collector.sample()).toBeUndefined();
    expect(await collector.sample()).toBeUndefined();
    expect(logs.filter((line) => line.includes('warn signals: container engine unreachable'))).toHaveLength(1);
    engine.reachable = true;
    advance(10_000);
    expect(only(await collector.sample())).toMatchObject({ statusCounts: { '200': 1 } });
  });

  it('leaves out containers without service labels and samples the others', async () => {
    const { engine, collector } = setup();
    engine.add('web', 'r1', { labels: { 'tarmac.managed': 'true', 'tarmac.host': 'h1' } });
    engine.add('api', 'r1');
    expect((await collector.sample())!.containers.map((c) => c.service)).toEqual(['api']);
  });

  it('runs every interval, keeps one delivery in flight, and stops cleanly', async () => {
    const answers: ((delivery: SignalsDelivery) => void)[] = [];
    const { engine, collector, logs } = setup({
      intervalMs: 500,
      deliver: () => new Promise<SignalsDelivery>((resolve) => answers.push(resolve)),
    });
    engine.add('web', 'r1');
    collector.start();
    await waitFor(() => logs.some((line) => line.includes('dropped: the previous one is not acknowledged yet')), 3_000);
    expect(answers).toHaveLength(1);
    answers[0]!({ kind: 'refused', code: 'PAYLOAD_INVALID', message: 'nope' });
    await waitFor(() => answers.length === 2, 3_000);
    await collector.stop();
    const after = answers.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(answers).toHaveLength(after);
    expect(logs.some((line) => line.includes('warn signals sample dropped: refused or not acknowledged code=PAYLOAD_INVALID'))).toBe(true);
  });
});

function labels(service: string, release: string): Record<string, string> {
  return { 'tarmac.managed': 'true', 'tarmac.host': 'h1', 'tarmac.service': service, 'tarmac.release': release };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
