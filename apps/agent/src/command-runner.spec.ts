// Commands end to end on the agent side: a real socket.io server dispatches, the agent
// acks, runs them on the real engine, journals and reports; a restart on the same state
// dir runs nothing twice.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { JOURNAL_FILE } from './command-journal.js';
import { runContainerReplace } from './commands/container-replace.js';
import { AgentConnection } from './connection.js';
import { DockerEngine } from './engine.js';
import { AgentsTestServer } from './testing/agents-server.js';
import { freePort, removeOwnContainers, replaceCommand, testImages, testKey, waitForBody } from './testing/test-commands.js';
import { testEngineSocket } from './testing/test-engine.js';
import { captureLogger, openTestRunner, removeDir, testStateDir, type TestRunner } from './testing/test-runner.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const { v1 } = testImages(process.env);
let server: AgentsTestServer;
let stateDir: string;
let counter = 0;
const running: { connection: AgentConnection; commands: TestRunner }[] = [];

beforeEach(async () => {
  server = await new AgentsTestServer().start();
  stateDir = await testStateDir();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map(stopAgent));
  await server.close();
  await removeDir(stateDir);
});
afterAll(() => removeOwnContainers(docker));

async function startAgent(hostname: string) {
  const commands = await openTestRunner(socketPath, hostname, stateDir);
  const connection = new AgentConnection({
    serverUrl: server.url,
    token: 'good-token',
    host: { hostname, datacenter: 'dc-test', labels: {}, agentVersion: '0.1.0-test' },
    engine: new DockerEngine(socketPath),
    engineIdentity: { name: 'Podman Engine', version: '4.3.1', apiVersion: '1.41' },
    commands: commands.runner,
    logger: captureLogger().logger,
    onFatalRefusal: () => undefined,
    retry: { baseMs: 50, capMs: 200 },
    ackTimeoutMs: 300,
  });
  const agent = { connection, commands };
  running.push(agent);
  connection.start();
  await server.waitFor('a registration', (s) => s.of('register').length > 0);
  return agent;
}

async function stopAgent(agent: { connection: AgentConnection; commands: TestRunner }) {
  agent.connection.stop();
  await agent.commands.close();
  running.splice(running.indexOf(agent), 1);
}

const hostname = () => `runner-${process.pid}-${++counter}`;

describe('command dispatch over socket.io', () => {
  it('acks, runs once, reports; after a restart a re-dispatch runs nothing and gets the recorded result', async () => {
    const host = hostname();
    const port = await freePort();
    const agent = await startAgent(host);
    const dispatch = { seq: 1, key: testKey(host, 'replace'), command: replaceCommand({ service: 'web', release: 'r1', image: v1, port }) };

    expect(await server.dispatch(dispatch)).toEqual({ ok: true, data: { duplicate: false } });
    await server.waitFor('the completion', (s) => s.of('completed').length === 1, 15_000);
    const [{ payload: report }] = server.of('completed');
    expect(report).toEqual({ key: dispatch.key, seq: 1, result: { containerId: expect.any(String), containerName: `${host}-web-r1`, previousContainerId: null } });
    expect(server.of('progress').map((p) => p.payload.message)).toEqual(expect.arrayContaining([`creating ${host}-web-r1`, `starting ${host}-web-r1`]));
    expect(await waitForBody(port)).toBe('v1');

    await stopAgent(agent);
    server.received.length = 0;
    await startAgent(host);
    expect(server.of('register')[0].payload.lastCommandSeq).toBe(1);

    expect(await server.dispatch(dispatch)).toEqual({ ok: true, data: { duplicate: true } });
    await server.waitFor('the recorded report', (s) => s.of('completed').length === 1);
    expect(server.of('completed')[0].payload).toEqual(report);
    expect(server.of('progress')).toEqual([]);
    const journal = await readFile(join(stateDir, JOURNAL_FILE), 'utf8');
    expect(journal.split('\n').filter((line) => line.includes('"started"'))).toHaveLength(1);
    const listed = await docker.listContainers({ all: true, filters: { label: [`tarmac.host=${host}`] } });
    expect(listed).toHaveLength(1);
  });

  it('runs an interrupted key again without a second effect', async () => {
    const host = hostname();
    const port = await freePort();
    const command = replaceCommand({ service: 'web', release: 'r1', image: v1, port });
    const key = testKey(host, 'replace');
    // The agent before: journaled the start, did the work, died before journaling the end.
    const before = await openTestRunner(socketPath, host, stateDir);
    await before.journal.started(key, 4, command.type);
    const done = await runContainerReplace(command, { ...before.host, progress: () => undefined });
    await before.close();

    await startAgent(host);
    expect(server.of('register')[0].payload.lastCommandSeq).toBe(0);
    expect(await server.dispatch({ seq: 4, key, command })).toEqual({ ok: true, data: { duplicate: false } });
    await server.waitFor('the completion', (s) => s.of('completed').length === 1, 15_000);
    expect(server.of('completed')[0].payload.result).toEqual({ ...done, previousContainerId: null });
    expect(await docker.listContainers({ all: true, filters: { label: [`tarmac.host=${host}`] } })).toHaveLength(1);
  });

  it('refuses malformed dispatches and keys for another host', async () => {
    const host = hostname();
    await startAgent(host);
    expect(await server.dispatch({ seq: 0, key: 'nope', command: { type: 'image:pull' } })).toMatchObject({
      ok: false,
      code: 'PAYLOAD_INVALID',
      message: expect.stringContaining('seq:'),
    });
    expect(await server.dispatch({ seq: 1, key: testKey('other-host', 'restore'), command: { type: 'traffic:restore', service: 'web' } })).toMatchObject({
      ok: false,
      code: 'HOSTNAME_MISMATCH',
    });
  });

  it('runs queued commands in seq order', async () => {
    const host = hostname();
    await startAgent(host);
    const drain = { seq: 1, key: testKey(host, 'drain'), command: { type: 'traffic:drain', service: 'web', waitMs: 300 } };
    const restore = (seq: number) => ({ seq, key: testKey(host, 'restore'), command: { type: 'traffic:restore', service: 'web' } });
    await server.dispatch(drain);
    await server.dispatch(restore(3));
    await server.dispatch(restore(2));
    await server.waitFor('three completions', (s) => s.of('completed').length === 3);
    expect(server.of('completed').map((c) => c.payload.seq)).toEqual([1, 2, 3]);
  });

  it('keeps an unacknowledged report and sends it again after a reconnect', async () => {
    const host = hostname();
    await startAgent(host);
    server.ackReports = false;
    const dispatch = { seq: 1, key: testKey(host, 'restore'), command: { type: 'traffic:restore', service: 'web' } };
    await server.dispatch(dispatch);
    await server.waitFor('the unanswered report', (s) => s.of('completed').length >= 1);

    server.ackReports = true;
    server.disconnectAll(true);
    await server.waitFor('the report again on a new connection', (s) => {
      const socketIds = new Set(s.of('completed').map((c) => c.socketId));
      return socketIds.size === 2;
    });
    const reports = server.of('completed').map((c) => c.payload);
    expect(new Set(reports.map((r) => JSON.stringify(r)))).toEqual(new Set([JSON.stringify({ key: dispatch.key, seq: 1, result: { state: 'serving' } })]));
    const reported = async () => (await readFile(join(stateDir, JOURNAL_FILE), 'utf8')).includes(`"event":"reported","key":"${dispatch.key}"`);
    for (let tries = 0; !(await reported()); tries++) {
      if (tries > 50) throw new Error('the acknowledged report was never journaled');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
