// Refusals on /agents: each bad handshake or payload is refused with a code and a
// message, and the agents that did nothing wrong stay connected.
import { io, type Socket } from 'socket.io-client';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  HostHeartbeatAck,
  HostRegisterAck,
  PROTOCOL_VERSION,
  type HostRegistration,
} from '../libs/protocol/src/index.js';
import { startAgent } from './support/agents.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { killAll } from './support/processes.js';
import { waitFor } from './support/wait.js';

const HOST = `handshake-${process.pid}`;

describe('agent handshake and payload refusals', () => {
  let cp: TestControlPlane;
  let bystanderToken: { id: string; token: string };
  const sockets: Socket[] = [];

  const connect = (auth: Record<string, unknown>): Socket => {
    const socket = io(`${cp.url}${AGENTS_NAMESPACE}`, { transports: ['websocket'], auth, reconnection: false });
    sockets.push(socket);
    return socket;
  };
  const refusalOf = (socket: Socket) =>
    new Promise<{ code: string; message: string }>((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected, expected a refusal')));
      socket.once('connect_error', (error: Error & { data?: { code: string; message: string } }) => resolve(error.data!));
    });
  const connected = (socket: Socket) =>
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
  const hostState = async (hostname: string) =>
    (await cp.http().get(`/api/v1/hosts/${hostname}`).set('Authorization', `Bearer ${cp.adminToken}`)).body;

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_HEARTBEAT_INTERVAL_MS: '250', TARMAC_AGENT_GRACE_MS: '1500' });
    bystanderToken = await cp.issueAgentToken('bystander');
    startAgent({ server: cp.url, token: bystanderToken.token, hostname: `${HOST}-bystander`, datacenter: 'tc' });
    await waitFor(async () => (await hostState(`${HOST}-bystander`)).status === 'online', { description: 'bystander online', timeoutMs: 20_000 });
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.disconnect());
    await killAll();
    await cp?.close();
  });

  afterEach(async () => {
    // Whatever the test did, the well-behaved agent is still there.
    expect(await hostState(`${HOST}-bystander`)).toMatchObject({ status: 'online', connected: true });
  });

  it('refuses an unknown token', async () => {
    const refusal = await refusalOf(connect({ token: 'tmc_agent_forged', protocolVersion: PROTOCOL_VERSION, hostname: HOST }));
    expect(refusal).toEqual({ code: 'AGENT_TOKEN_INVALID', message: 'agent token is not valid' });
  });

  it('refuses a missing protocol version and one that is too old', async () => {
    const { token } = await cp.issueAgentToken('versions');
    expect(await refusalOf(connect({ token, hostname: HOST }))).toMatchObject({ code: 'PROTOCOL_VERSION_MISSING' });
    const old = await refusalOf(connect({ token, hostname: HOST, protocolVersion: 0 }));
    expect(old).toMatchObject({ code: 'PROTOCOL_VERSION_UNSUPPORTED', message: expect.stringMatching(/too old.*upgrade the agent/) });
  });

  it('refuses a malformed handshake, naming the field', async () => {
    const refusal = await refusalOf(connect({ token: 'x', protocolVersion: PROTOCOL_VERSION, hostname: 'not a hostname!' }));
    expect(refusal).toMatchObject({ code: 'HANDSHAKE_INVALID', message: expect.stringMatching(/^handshake: hostname: /) });
  });

  it('binds a token to its first hostname and refuses it from another; a real agent exits with the reason', async () => {
    const { token } = await cp.issueAgentToken('bound');
    const first = connect({ token, protocolVersion: PROTOCOL_VERSION, hostname: `${HOST}-a` });
    await connected(first);
    const reused = await refusalOf(connect({ token, protocolVersion: PROTOCOL_VERSION, hostname: `${HOST}-b` }));
    expect(reused).toEqual({ code: 'HOSTNAME_MISMATCH', message: `agent token is bound to host "${HOST}-a", not "${HOST}-b"` });

    const agent = startAgent({ server: cp.url, token, hostname: `${HOST}-c`, datacenter: 'tc' });
    const exit = await agent.exited;
    expect(exit.code).toBe(3);
    expect(agent.stderr).toMatch(/refused by control plane: HOSTNAME_MISMATCH/);
  });

  it('refuses a registration that fails its schema, and keeps the connection open', async () => {
    const { token } = await cp.issueAgentToken('schema');
    const socket = connect({ token, protocolVersion: PROTOCOL_VERSION, hostname: `${HOST}-s` });
    await connected(socket);
    const bad = { hostname: `${HOST}-s`, datacenter: 'TC!', labels: {}, agentVersion: '1', containers: [] };
    const ack = HostRegisterAck.parse(await socket.emitWithAck(AgentEvent.Register, bad));
    expect(ack).toMatchObject({ ok: false, code: 'PAYLOAD_INVALID' });
    expect(!ack.ok && ack.message).toMatch(/datacenter: .*engine: /);

    const good: HostRegistration = {
      hostname: `${HOST}-s`,
      datacenter: 'tc',
      labels: {},
      agentVersion: 'test',
      engine: { name: 'test-engine', version: '1', apiVersion: '1.41', status: 'reachable' },
      containers: [],
    };
    const wrongHost = HostRegisterAck.parse(await socket.emitWithAck(AgentEvent.Register, { ...good, hostname: 'elsewhere' }));
    expect(wrongHost).toMatchObject({ ok: false, code: 'HOSTNAME_MISMATCH' });
    const heartbeatFirst = await socket.emitWithAck(AgentEvent.Heartbeat, { engine: { status: 'reachable' } });
    expect(heartbeatFirst).toMatchObject({ ok: false, code: 'NOT_REGISTERED' });
    expect(HostRegisterAck.parse(await socket.emitWithAck(AgentEvent.Register, good))).toEqual({
      ok: true,
      data: { heartbeatIntervalMs: 250 },
    });
    // Every heartbeat ack carries the interval to keep (stretched for a large fleet; this one is small).
    expect(HostHeartbeatAck.parse(await socket.emitWithAck(AgentEvent.Heartbeat, { engine: { status: 'reachable' } }))).toEqual({
      ok: true,
      data: { heartbeatIntervalMs: 250 },
    });
    expect(socket.connected).toBe(true);
  });

  it('revokes a token: its agent is disconnected and refused from then on', async () => {
    const issued = await cp.issueAgentToken('revoked');
    const agent = startAgent({ server: cp.url, token: issued.token, hostname: `${HOST}-r`, datacenter: 'yf' });
    await waitFor(async () => (await hostState(`${HOST}-r`)).status === 'online', { description: 'agent online', timeoutMs: 20_000 });
    await cp.http().delete(`/api/v1/agent-tokens/${issued.id}`).set('Authorization', `Bearer ${cp.adminToken}`).expect(204);
    const exit = await agent.exited;
    expect(exit.code).toBe(3);
    expect(agent.stderr).toMatch(/AGENT_TOKEN_REVOKED/);
    expect(await hostState(`${HOST}-r`)).toMatchObject({ connected: false });
  });
});
