// One host, one identity, one live connection: a fresh token cannot take over a host,
// a copied token cannot run beside the real agent, a report closes only a command sent to
// its own host, once, and every event gets an answer. Raw socket.io clients play both the
// hosts and the attacker, so each forged message is sent exactly as written here.
import { io, type Socket } from 'socket.io-client';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  CommandEvent,
  HOST_PROBE_EVENT,
  HostRegisterAck,
  PROTOCOL_VERSION,
  type CommandDispatch,
} from '../libs/protocol/src/index.js';
import { startTestControlPlane, type TestControlPlane } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

const DC = 'tc';
const OTHER_DC = 'yf';
const SERVICE = 'web';

interface HostClient {
  socket: Socket;
  dispatches: CommandDispatch[];
}

describe('host identity on /agents', () => {
  let cp: TestControlPlane;
  const sockets: Socket[] = [];
  const admin = () => ({ Authorization: `Bearer ${cp.adminToken}` });

  function connect(token: string, hostname: string, { answerProbes = true } = {}): Socket {
    const socket = io(`${cp.url}${AGENTS_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { token, protocolVersion: PROTOCOL_VERSION, hostname },
      reconnection: false,
    });
    if (answerProbes) socket.on(HOST_PROBE_EVENT, (_payload: unknown, ack: (answer: unknown) => void) => ack({ ok: true, data: {} }));
    sockets.push(socket);
    return socket;
  }
  const outcomeOf = (socket: Socket) =>
    new Promise<{ connected: true } | { code: string; message: string }>((resolve) => {
      socket.once('connect', () => resolve({ connected: true }));
      socket.once('connect_error', (error: Error & { data?: { code: string; message: string } }) =>
        resolve(error.data ?? { code: 'NONE', message: error.message }),
      );
    });
  async function register(socket: Socket, hostname: string, labels: Record<string, string> = {}, datacenter = DC) {
    return HostRegisterAck.parse(
      await socket.emitWithAck(AgentEvent.Register, {
        hostname,
        datacenter,
        labels,
        agentVersion: 'test',
        engine: { name: 'test-engine', version: '1', apiVersion: '1.41', status: 'reachable' },
        containers: [],
      }),
    );
  }
  /** A well-behaved host: connects, acks every dispatch, registers. */
  async function host(hostname: string, labels: Record<string, string> = {}, datacenter = DC): Promise<HostClient & { token: string }> {
    const { token } = await cp.issueAgentToken(hostname);
    const socket = connect(token, hostname);
    const dispatches: CommandDispatch[] = [];
    socket.on(CommandEvent.Dispatch, (dispatch: CommandDispatch, ack: (answer: unknown) => void) => {
      dispatches.push(dispatch);
      ack({ ok: true, data: { duplicate: false } });
    });
    expect(await outcomeOf(socket)).toEqual({ connected: true });
    expect(await register(socket, hostname, labels, datacenter)).toMatchObject({ ok: true });
    return { socket, dispatches, token };
  }
  const hostView = async (hostname: string) => (await cp.http().get(`/api/v1/hosts/${hostname}`).set(admin()).expect(200)).body;
  const commandStatus = async (key: string): Promise<{ hostname: string; status: string; reason: string | null }[]> =>
    cp.plane.database.dataSource.query('SELECT hostname, status, reason FROM host_commands WHERE key = $1', [key]);
  const refusalsCounted = async (code: string): Promise<number> => {
    const text: string = (await cp.http().get('/metrics').set(admin())).text;
    return [...text.matchAll(new RegExp(`^tarmac_agent_messages_refused_total\\{[^}]*code="${code}"[^}]*\\} (\\d+)`, 'gm'))].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
  };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await cp.http().post('/api/v1/datacenters').set(admin()).send({ name: DC, rolloutOrder: 1 }).expect(201);
    // The other datacenter keeps serving while the test drains DC.
    await cp.http().post('/api/v1/datacenters').set(admin()).send({ name: OTHER_DC, rolloutOrder: 2 }).expect(201);
    await cp
      .http()
      .post('/api/v1/services')
      .set(admin())
      .send({
        name: SERVICE,
        role: 'web',
        imageRepository: '127.0.0.1:5000/tarmac-test/web',
        container: {
          ports: [{ container: 18080 }],
          healthCheck: { type: 'http', path: '/', port: 18080, timeoutMs: 1000, intervalMs: 2000 },
        },
      })
      .expect(201);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.disconnect());
    await cp?.close();
  });

  it('refuses a fresh token the hostname of a connected host, audits it, and leaves the host as it was', async () => {
    const real = await host('owned-1', { role: 'real' });
    const { token: fresh, id: freshId } = await cp.issueAgentToken('impostor');
    const impostor = connect(fresh, 'owned-1');
    expect(await outcomeOf(impostor)).toEqual({ code: 'HOSTNAME_OWNED', message: expect.stringContaining('owned-1') });

    expect(real.socket.connected).toBe(true);
    expect(await hostView('owned-1')).toMatchObject({ labels: { role: 'real' }, connected: true });
    const tokens = (await cp.http().get('/api/v1/agent-tokens').set(admin()).expect(200)).body as { id: string; hostname: string | null }[];
    expect(tokens.find((token) => token.id === freshId)).toMatchObject({ hostname: null });
    const audit = (await cp.http().get('/api/v1/audit').set(admin()).expect(200)).body as { action: string; entityId: string; actor: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'agent.refused', entityId: 'owned-1', actor: `agent-token:${freshId}` }));
  });

  it('refuses a fresh token the hostname of a disconnected host, and lets it have the host once the old token is revoked', async () => {
    const real = await host('owned-2');
    real.socket.disconnect();
    await waitFor(async () => (await hostView('owned-2')).connected === false, { description: 'owned-2 disconnected' });
    const tokens = (await cp.http().get('/api/v1/agent-tokens').set(admin()).expect(200)).body as { id: string; hostname: string | null }[];
    const old = tokens.find((token) => token.hostname === 'owned-2')!;

    const { token: fresh } = await cp.issueAgentToken('re-enrolled');
    expect(await outcomeOf(connect(fresh, 'owned-2'))).toMatchObject({ code: 'HOSTNAME_OWNED' });
    await cp.http().delete(`/api/v1/agent-tokens/${old.id}`).set(admin()).expect((response) => expect(response.status).toBeLessThan(300));
    const reenrolled = connect(fresh, 'owned-2');
    expect(await outcomeOf(reenrolled)).toEqual({ connected: true });
    expect(await register(reenrolled, 'owned-2')).toMatchObject({ ok: true });
  });

  it('refuses a second live connection for a host, and replaces one that no longer answers', async () => {
    const real = await host('single-1');
    const copy = connect(real.token, 'single-1');
    expect(await outcomeOf(copy)).toMatchObject({ code: 'HOST_ALREADY_CONNECTED' });
    expect(real.socket.connected).toBe(true);

    // A connection that stops answering (here: a client that never answers probes) is taken for dead.
    const { token } = await cp.issueAgentToken('single-2');
    const silent = connect(token, 'single-2', { answerProbes: false });
    expect(await outcomeOf(silent)).toEqual({ connected: true });
    const gone = new Promise<string>((resolve) => silent.once('disconnect', resolve));
    const next = connect(token, 'single-2');
    expect(await outcomeOf(next)).toEqual({ connected: true });
    expect(await gone).toBe('io server disconnect');
  });

  it('refuses reports and progress for a command never sent, for another host\'s command, and a replay; counts each', async () => {
    const a = await host('reports-a');
    const b = await host('reports-b');
    await host('reports-yf', {}, OTHER_DC);
    await cp.http().put(`/api/v1/services/${SERVICE}/traffic/${DC}`).set(admin()).send({ serving: false, reason: 'test' }).expect(200);
    await waitFor(async () => a.dispatches.length > 0 && b.dispatches.length > 0, { description: 'both hosts sent the drain' });
    const [aCommand] = a.dispatches;
    const failure = (dispatch: CommandDispatch) => ({ key: dispatch.key, seq: dispatch.seq, reason: 'FORGED', message: 'forged' });
    const unknownBefore = await refusalsCounted('COMMAND_UNKNOWN');

    expect(await b.socket.emitWithAck(CommandEvent.Failed, failure(aCommand!))).toMatchObject({ ok: false, code: 'COMMAND_UNKNOWN' });
    expect(await b.socket.emitWithAck(CommandEvent.Failed, { ...failure(aCommand!), key: '00000000-0000-4000-8000-000000000000/traffic:web/reports-b/1' })).toMatchObject({
      ok: false,
      code: 'COMMAND_UNKNOWN',
    });
    expect(await commandStatus(aCommand!.key)).toContainEqual({ hostname: 'reports-a', status: 'sent', reason: null });
    // Progress is heard only from the command's own host, while the command is open.
    expect(await b.socket.emitWithAck(CommandEvent.Progress, { key: aCommand!.key, message: 'forged' })).toMatchObject({
      ok: false,
      code: 'COMMAND_UNKNOWN',
    });
    expect(await a.socket.emitWithAck(CommandEvent.Progress, { key: aCommand!.key, message: 'draining' })).toEqual({ ok: true, data: {} });

    expect(await a.socket.emitWithAck(CommandEvent.Failed, failure(aCommand!))).toEqual({ ok: true, data: {} });
    expect(await a.socket.emitWithAck(CommandEvent.Failed, { ...failure(aCommand!), reason: 'REPLAYED' })).toMatchObject({
      ok: false,
      code: 'COMMAND_ALREADY_REPORTED',
    });
    expect(await commandStatus(aCommand!.key)).toContainEqual({ hostname: 'reports-a', status: 'failed', reason: 'FORGED' });
    expect(await a.socket.emitWithAck(CommandEvent.Progress, { key: aCommand!.key, message: 'late' })).toMatchObject({
      ok: false,
      code: 'COMMAND_ALREADY_REPORTED',
    });
    expect((await refusalsCounted('COMMAND_UNKNOWN')) - unknownBefore).toBe(3);
    expect(await refusalsCounted('COMMAND_ALREADY_REPORTED')).toBeGreaterThanOrEqual(1);
  });

  it('answers an undeclared event with EVENT_UNKNOWN, and closes a connection that sends one without an ack', async () => {
    const h = await host('events-1');
    expect(await h.socket.emitWithAck('host:takeover', { hostname: 'events-1' })).toMatchObject({ ok: false, code: 'EVENT_UNKNOWN' });
    expect(h.socket.connected).toBe(true);
    const gone = new Promise<string>((resolve) => h.socket.once('disconnect', resolve));
    h.socket.emit('host:takeover', { hostname: 'events-1' });
    expect(await gone).toBe('io server disconnect');
  });
});
