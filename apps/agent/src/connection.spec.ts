// The agent's connection against a real socket.io server speaking /agents and the real
// container engine the test runner provides.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { HOST_LABEL, HandshakeRefusal, MANAGED_LABEL, type ConnectErrorData } from '../../../libs/protocol/src/index.js';
import { AgentConnection } from './connection.js';
import { DockerEngine, type Engine } from './engine.js';
import { createLogger } from './logger.js';
import { AgentsTestServer } from './testing/agents-server.js';
import { SocketRelay } from './testing/socket-relay.js';
import { testEngineSocket, testImage } from './testing/test-engine.js';
import { openTestRunner, removeDir, type TestRunner } from './testing/test-runner.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const engine = new DockerEngine(socketPath);
const run = `${process.pid}-${Date.now()}`;

let server: AgentsTestServer;
const connections: AgentConnection[] = [];
const runners: TestRunner[] = [];
const containers: Docker.Container[] = [];

beforeEach(async () => {
  server = await new AgentsTestServer().start();
});

afterEach(async () => {
  connections.splice(0).forEach((c) => c.stop());
  for (const runner of runners.splice(0)) {
    await runner.close();
    await removeDir(runner.stateDir);
  }
  await server.close();
});

afterAll(async () => {
  await Promise.all(containers.map((c) => c.remove({ force: true }).catch(() => undefined)));
});

async function startAgent(hostname: string, options: { token?: string; engine?: Engine } = {}) {
  const commands = await openTestRunner(socketPath, hostname);
  runners.push(commands);
  const logs: string[] = [];
  const fatal: ConnectErrorData[] = [];
  const sink = { write: (line: string) => logs.push(line) };
  const connection = new AgentConnection({
    serverUrl: server.url,
    token: options.token ?? 'good-token',
    host: { hostname, datacenter: 'dc-test', labels: { tier: 'web' }, agentVersion: '0.1.0-test' },
    engine: options.engine ?? engine,
    engineIdentity: { name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41' },
    commands: commands.runner,
    logger: createLogger('debug', { stdout: sink, stderr: sink }),
    onFatalRefusal: (refusal) => fatal.push(refusal),
    retry: { baseMs: 50, capMs: 200 },
  });
  connections.push(connection);
  connection.start();
  return { connection, logs, fatal };
}

describe('AgentConnection', () => {
  it('registers with a valid payload listing its managed containers, then heartbeats', async () => {
    const hostname = `agent-conn-${run}-a`;
    const image = await testImage(docker, process.env);
    const container = await docker.createContainer({
      name: `${hostname}-web`,
      Image: image,
      Cmd: ['/bin/busybox', 'sleep', '600'],
      Labels: { [MANAGED_LABEL]: 'true', [HOST_LABEL]: hostname, 'tarmac.test': 'true' },
      HostConfig: { NetworkMode: 'host', Init: true },
    });
    containers.push(container);

    await startAgent(hostname);
    await server.waitFor('three heartbeats', (s) => s.of('heartbeat').length >= 3);

    expect(server.of('invalid')).toEqual([]);
    const [connected] = server.of('connected');
    expect(connected.hostname).toBe(hostname);
    const [registration] = server.of('register');
    expect(registration.payload).toEqual({
      hostname,
      datacenter: 'dc-test',
      labels: { tier: 'web' },
      agentVersion: '0.1.0-test',
      engine: { name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41', status: 'reachable' },
      lastCommandSeq: 0,
      containers: [{ id: container.id, name: `${hostname}-web`, image, state: 'created' }],
    });
    for (const { payload } of server.of('heartbeat')) {
      expect(payload).toEqual({ engine: { status: 'reachable' }, containers: registration.payload.containers });
    }
  });

  it('keeps to the interval each heartbeat ack gives', async () => {
    const { logs } = await startAgent(`agent-conn-${run}-paced`);
    await server.waitFor('two heartbeats at 100 ms', (s) => s.of('heartbeat').length >= 2);

    // A fleet grew: from the next ack on, the control plane wants a heartbeat a minute.
    server.heartbeatIntervalMs = 60_000;
    const before = server.of('heartbeat').length;
    await server.waitFor('a heartbeat acked with the new interval', (s) => s.of('heartbeat').length > before);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    expect(server.of('heartbeat').length).toBe(before + 1);
    expect(logs.some((line) => /heartbeat interval changed/.test(line) && /60000/.test(line))).toBe(true);
  });

  it.each([
    ['closing the transport', true],
    ['a namespace disconnect', false],
  ])('registers again after the server disconnects it by %s', async (_, closeTransport) => {
    const { logs } = await startAgent(`agent-conn-${run}-b`);
    await server.waitFor('the first heartbeat', (s) => s.of('heartbeat').length >= 1);

    server.received.length = 0;
    server.disconnectAll(closeTransport);

    await server.waitFor('a new registration and heartbeat', (s) => s.of('register').length === 1 && s.of('heartbeat').length >= 1);
    const [connected] = server.of('connected');
    expect(server.of('register')[0].socketId).toBe(connected.socketId);
    expect(server.of('heartbeat').every((h) => h.socketId === connected.socketId)).toBe(true);
    expect(logs.some((line) => / warn disconnected/.test(line))).toBe(true);
  });

  it('stops for good on a fatal refusal and reports it', async () => {
    server.refusals.set('revoked-token', { code: HandshakeRefusal.AgentTokenRevoked, message: 'token revoked at T' });
    const { connection, fatal } = await startAgent(`agent-conn-${run}-c`, { token: 'revoked-token' });

    await server.waitFor('the fatal refusal', () => fatal.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(fatal).toEqual([{ code: 'AGENT_TOKEN_REVOKED', message: 'token revoked at T' }]);
    expect(connection.connected).toBe(false);
    expect(server.received).toEqual([]);
  });

  it('retries with backoff while the control plane is unavailable, then registers', async () => {
    server.refusals.set('good-token', { code: HandshakeRefusal.Unavailable, message: 'database down' });
    const { logs, fatal } = await startAgent(`agent-conn-${run}-d`);

    const refusedLine = (line: string) => line.includes('refused by control plane, retrying') && line.includes('code=UNAVAILABLE');
    await server.waitFor('three refusals', () => logs.filter(refusedLine).length >= 3);
    server.refusals.clear();

    await server.waitFor('a registration', (s) => s.of('register').length === 1);
    expect(fatal).toEqual([]);
  });

  it('heartbeats an unreachable engine without containers and recovers when it is back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tarmac-agent-engine-'));
    const relay = new SocketRelay(join(dir, 'engine.sock'), socketPath);
    await relay.up();
    try {
      const { logs } = await startAgent(`agent-conn-${run}-e`, { engine: new DockerEngine(relay.path, { pingTimeoutMs: 200 }) });
      await server.waitFor('a reachable heartbeat', (s) => s.of('heartbeat').some((h) => h.payload.engine.status === 'reachable'));

      await relay.down();
      const unreachable = (s: AgentsTestServer) => s.of('heartbeat').filter((h) => h.payload.engine.status === 'unreachable');
      await server.waitFor('three unreachable heartbeats', (s) => unreachable(s).length >= 3);
      expect(unreachable(server)[0].payload).toEqual({ engine: { status: 'unreachable' } });

      await relay.up();
      server.received.length = 0;
      await server.waitFor('a reachable heartbeat again', (s) => s.of('heartbeat').some((h) => h.payload.engine.status === 'reachable'));

      // One line when it went away, one when it came back: not one per heartbeat.
      expect(logs.filter((line) => line.includes('container engine unreachable'))).toHaveLength(1);
      expect(logs.filter((line) => line.includes('container engine reachable again'))).toHaveLength(1);
    } finally {
      await relay.down();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('comes back by itself when the control plane restarts', async () => {
    const { fatal } = await startAgent(`agent-conn-${run}-g`);
    await server.waitFor('a registration', (s) => s.of('register').length === 1);

    const port = server.port;
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    server = await new AgentsTestServer().start(port);

    await server.waitFor('a registration with the new server', (s) => s.of('register').length === 1 && s.of('heartbeat').length >= 1);
    expect(fatal).toEqual([]);
  });

  it('says goodbye with a clean disconnect when stopped', async () => {
    const { connection } = await startAgent(`agent-conn-${run}-f`);
    await server.waitFor('a registration', (s) => s.of('register').length === 1);

    connection.stop();

    await server.waitFor('the disconnect', (s) => s.of('disconnected').length === 1);
    expect(server.of('disconnected')[0].reason).toBe('client namespace disconnect');
  });
});
