// host:signals over the agent's real connection to a socket.io server speaking /agents:
// sent only while registered, acked, refusals passed back to the collector.
import { ContainerSignals, type HostSignals } from '../../../../libs/protocol/src/index.js';
import { AgentConnection } from '../connection.js';
import { DockerEngine } from '../engine.js';
import { AgentsTestServer } from '../testing/agents-server.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { captureLogger, openTestRunner, removeDir, type TestRunner } from '../testing/test-runner.js';

const socketPath = testEngineSocket(process.env);
let server: AgentsTestServer;
let runner: TestRunner;
let connection: AgentConnection;

const sample: HostSignals = {
  intervalMs: 5_000,
  containers: [
    ContainerSignals.parse({
      service: 'web',
      release: 'r1',
      image: '127.0.0.1:5000/web:1',
      healthy: true,
      healthFailures: 0,
      restarts: 0,
      cpuPercent: 1.5,
      memoryBytes: 1024,
      statusCounts: { '200': 3 },
      latencyMsSum: 0,
      latencyCount: 0,
      errorLines: 0,
    }),
  ],
};

beforeEach(async () => {
  server = await new AgentsTestServer().start();
  server.heartbeatIntervalMs = 60_000;
  const hostname = `signals-delivery-${process.pid}`;
  runner = await openTestRunner(socketPath, hostname);
  connection = new AgentConnection({
    serverUrl: server.url,
    token: 'good-token',
    host: { hostname, datacenter: 'dc-test', labels: {}, agentVersion: '0.1.0-test' },
    engine: new DockerEngine(socketPath),
    engineIdentity: { name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41' },
    commands: runner.runner,
    logger: captureLogger().logger,
    onFatalRefusal: () => undefined,
    ackTimeoutMs: 1_000,
  });
});

afterEach(async () => {
  connection.stop();
  await runner.close();
  await removeDir(runner.stateDir);
  await server.close();
});

describe('host:signals on the connection', () => {
  it('is dropped before registration, then sent and acknowledged', async () => {
    expect(await connection.sendSignals(sample)).toEqual({ kind: 'not-registered' });
    connection.start();
    expect(await sendOnceRegistered(sample)).toEqual({ kind: 'acknowledged' });
    expect(server.of('signals').map((r) => r.payload)).toEqual([sample]);
  });

  it('passes a refusal back', async () => {
    connection.start();
    const bad = { ...sample, intervalMs: 0 };
    expect(await sendOnceRegistered(bad)).toEqual({ kind: 'refused', code: 'PAYLOAD_INVALID', message: expect.stringContaining('intervalMs') });
  });
});

/** Sends as soon as the connection is registered (before that, sending is a no-op). */
async function sendOnceRegistered(signals: HostSignals) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const delivery = await connection.sendSignals(signals);
    if (delivery.kind !== 'not-registered' || Date.now() > deadline) return delivery;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
