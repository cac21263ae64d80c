// An attacker on the agent socket, with real agent tokens issued through the API: taking
// over a connected or a disconnected host with a fresh token, a second connection on a
// live host's token, reports for commands never sent or sent to another host, replays,
// revoked tokens, tokens bound elsewhere. Every attempt must be refused with a code (not
// INTERNAL), and the real host must be left as it was: its labels, its connection, its
// commands (which only it receives, and only it can close).
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Socket } from 'socket.io-client';
import { CommandEvent, type CommandDispatch } from '../../libs/protocol/src/index.js';
import { queryDatabase } from '../support/api.js';
import {
  agentAuth,
  closeAllAgentSockets,
  connectAgent,
  emitAndWait,
  outcomeLabel,
  registration,
  startHandAgent,
  type HandAgent,
} from '../support/hostile/agent-socket.js';
import { Tally } from '../support/hostile/tally.js';
import { killAll } from '../support/processes.js';
import { startSpawnedControlPlane, type SpawnedControlPlane } from '../support/spawned-control-plane.js';
import { waitFor } from '../support/wait.js';

const VICTIM_LABELS = { owner: 'victim', rack: 'r1' };

describe('attacks on the agent socket', () => {
  let cp: SpawnedControlPlane;
  let victim: HandAgent;
  const tally = new Tally('Agent socket attacks: each should be refused with a code, the real host unchanged');
  let flips = 0;
  /** This test's attempts that were not refused with a code. */
  let accepted: string[] = [];
  /** Connections an attack opened, closed after it so the next attack starts clean. */
  const attackers: Socket[] = [];

  const host = async (hostname: string) => (await cp.http().get(`/api/v1/hosts/${hostname}`).set('Authorization', cp.admin()).expect(200)).body;
  const commandRow = async (hostname: string, key: string) =>
    (await queryDatabase<{ status: string; result: unknown }>(cp, 'SELECT status, result FROM host_commands WHERE hostname = $1 AND key = $2', [hostname, key]))[0];

  /**
   * Flips a switch of web (the victim runs it); returns the hosts the API says it went to
   * and the command the victim got for it, if it got one within 5 s.
   */
  async function flip(): Promise<{ hosts: string[]; command?: CommandDispatch }> {
    const name = `attack-${++flips}`;
    const { body } = await cp.http().put(`/api/v1/services/web/switches/${name}`).set('Authorization', cp.admin()).send({ enabled: true }).expect(200);
    const command = await waitFor(() => victim.dispatches.find((d) => d.command.type === 'switch:set' && d.command.name === name), {
      description: `the victim sent the ${name} switch:set`,
      timeoutMs: 5_000,
    }).catch(() => undefined);
    return { hosts: body.hosts as string[], command };
  }

  /** Records what an attack did to a host that did nothing wrong; fails the test on it and on any attempt let through. */
  function expectUnharmed(attack: string, harm: string[]) {
    for (const problem of harm) tally.record(attack, `harmed: ${problem.replace(/[0-9a-f-]{36}\/\S*/g, '<key>')}`, [{ property: 'real host harmed', sent: attack, got: problem }]);
    expect({ accepted, harm }).toEqual({ accepted: [], harm: [] });
  }

  /** Records an attempt's outcome; a refusal must carry a code, and INTERNAL is not a decision. */
  function judge(attack: string, outcome: string, sent: string) {
    const refused = /^(handshake refused|refused) (?!INTERNAL$|\(none\)$|\(no code\)$)/.test(outcome);
    if (!refused) accepted.push(`${attack}: ${sent} -> ${outcome}`);
    tally.record(attack, outcome, refused ? [] : [{ property: outcome === 'ok' || outcome.endsWith(' ok') ? 'accepted' : 'not refused with a code', sent, got: outcome }]);
  }

  /** Connects and, if let in, registers `hostname` with the impostor's labels; returns the socket and what it was sent. */
  async function impersonate(attack: string, token: string, hostname: string): Promise<{ socket?: Socket; dispatches: CommandDispatch[] }> {
    const dispatches: CommandDispatch[] = [];
    const connection = await connectAgent(cp.url, agentAuth(token, hostname));
    if (!connection.socket) {
      judge(attack, `handshake refused ${connection.refused.code}`, `handshake as ${hostname}`);
      return { dispatches };
    }
    attackers.push(connection.socket);
    const socket = connection.socket;
    // An impostor sent a command closes it with a result of its own, as the issue saw happen.
    socket.on(CommandEvent.Dispatch, (payload: CommandDispatch, ack?: (reply: unknown) => void) => {
      dispatches.push(payload);
      ack?.({ ok: true, data: { duplicate: false } });
      socket.emit(CommandEvent.Completed, { key: payload.key, seq: payload.seq, result: { forgedBy: 'impostor' } }, () => undefined);
    });
    // The containers a real agent on a cloned host would report: the host's own.
    const containers = [{ id: `${hostname}-c1`, name: `${hostname}-web-r1`, image: 'registry.local/web:1', state: 'running' }];
    const ack = await emitAndWait(connection.socket, 'host:register', registration(hostname, { labels: { owner: 'impostor' }, containers }));
    const label = outcomeLabel(ack);
    judge(attack, label === 'ok' ? 'handshake accepted, register ok' : label.startsWith('refused') ? label : `handshake accepted, register ${label}`, `handshake and host:register as ${hostname}`);
    return { socket: connection.socket, dispatches };
  }

  /** What must hold for the victim after any attack. */
  async function expectVictimUnharmed(attack: string, impostor?: { dispatches: CommandDispatch[] }) {
    const harm: string[] = [];
    const view = await host('victim');
    if (!isDeepStrictEqual(view.labels, VICTIM_LABELS)) harm.push(`labels now ${JSON.stringify(view.labels)}`);
    if (!view.connected || !victim.socket.connected) harm.push(`victim disconnected (API connected=${view.connected}, socket ${victim.socket.connected})`);
    const { hosts, command } = await flip();
    if (!command) harm.push(`victim was not sent a switch:set of web; the API sent it to [${hosts.join(', ')}]`);
    // The impostor, if let in, has had as long as the victim to receive the same command.
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (impostor?.dispatches.length) harm.push(`impostor was sent ${impostor.dispatches.map((d) => `${d.command.type} ${d.key}`).join(', ')}`);
    const row = command && (await commandRow('victim', command.key));
    if (command && row?.status !== 'sent' && row?.status !== 'pending') harm.push(`victim's new command is ${row?.status}, result ${JSON.stringify(row?.result)}`);
    expectUnharmed(attack, harm);
  }

  beforeAll(async () => {
    cp = await startSpawnedControlPlane({ TARMAC_HEARTBEAT_INTERVAL_MS: '500', TARMAC_AGENT_GRACE_MS: '3000' });
    await cp.http().post('/api/v1/datacenters').set('Authorization', cp.admin()).send({ name: 'tc', rolloutOrder: 1 }).expect(201);
    await cp
      .http()
      .post('/api/v1/services')
      .set('Authorization', cp.admin())
      .send({ name: 'web', role: 'frontend', imageRepository: 'registry.local/web', container: { ports: [{ container: 18080 }], healthCheck: { type: 'http', path: '/', port: 18080, timeoutMs: 1000, intervalMs: 2000 } } })
      .expect(201);
    victim = await startHandAgent(cp.url, (await cp.issueAgentToken('victim')).token, 'victim', { labels: VICTIM_LABELS });
  }, 60_000);

  // Given, for each attack: the victim as it should be, whatever an earlier attack did to it.
  beforeEach(async () => {
    accepted = [];
    if (victim.socket.connected) {
      const ack = await emitAndWait(victim.socket, 'host:register', registration('victim', { labels: VICTIM_LABELS, containers: [{ id: 'victim-c1', name: 'victim-web-r1', image: 'registry.local/web:1', state: 'running' }] }));
      expect(outcomeLabel(ack)).toBe('ok');
    } else {
      victim = await startHandAgent(cp.url, victim.token, 'victim', { labels: VICTIM_LABELS });
    }
  });

  afterEach(() => {
    attackers.splice(0).forEach((socket) => socket.close());
  });

  afterAll(async () => {
    tally.print();
    closeAllAgentSockets();
    await cp?.close();
    await killAll();
  });

  it('refuses a fresh token registering under a connected host’s hostname', async () => {
    const impostor = await impersonate('fresh token, connected host', (await cp.issueAgentToken('impostor-1')).token, 'victim');
    await expectVictimUnharmed('fresh token, connected host', impostor);
  });

  it('refuses a second connection on the live host’s own token', async () => {
    const copy = await impersonate('same token, second connection', victim.token, 'victim');
    await expectVictimUnharmed('same token, second connection', copy);
  });

  it('refuses a fresh token registering under a disconnected host’s hostname', async () => {
    const sleeper = await startHandAgent(cp.url, (await cp.issueAgentToken('sleeper')).token, 'sleeper', { labels: { owner: 'sleeper' } });
    sleeper.socket.close();
    await waitFor(async () => (await host('sleeper')).connected === false, { description: 'sleeper disconnected' });
    const impostor = await impersonate('fresh token, disconnected host', (await cp.issueAgentToken('impostor-2')).token, 'sleeper');
    impostor.socket?.close();
    const labels = (await host('sleeper')).labels;
    expectUnharmed('fresh token, disconnected host', isDeepStrictEqual(labels, { owner: 'sleeper' }) ? [] : [`sleeper's labels now ${JSON.stringify(labels)}`]);
  });

  it('refuses a token bound to another host, and a revoked token', async () => {
    await impersonate('token bound to another host', victim.token, 'elsewhere');
    const revoked = await cp.issueAgentToken('revokee');
    const revokee = await startHandAgent(cp.url, revoked.token, 'revokee');
    await cp.http().delete(`/api/v1/agent-tokens/${revoked.id}`).set('Authorization', cp.admin()).expect(204);
    await waitFor(() => revokee.socket.disconnected, { description: 'the revoked token’s connection closed' });
    await impersonate('revoked token', revoked.token, 'revokee');
    await expectVictimUnharmed('token bound to another host, revoked token');
  });

  it('refuses reports for commands never sent, and for another host’s command, and leaves that command open', async () => {
    const mallory = await startHandAgent(cp.url, (await cp.issueAgentToken('mallory')).token, 'mallory');
    const { command } = await flip();
    if (!command) throw new Error('the victim was sent no switch:set to forge reports for');
    const neverSent = `${randomUUID()}/switch:set/mallory/1`;
    const reports: [string, string, unknown][] = [
      ['completed, key never sent', CommandEvent.Completed, { key: neverSent, seq: 9999, result: { forged: true } }],
      ['failed, key never sent', CommandEvent.Failed, { key: neverSent, seq: 9999, reason: 'INTERNAL', message: 'forged' }],
      ['progress, key never sent', CommandEvent.Progress, { key: neverSent, message: 'forged' }],
      ['completed, the victim’s command', CommandEvent.Completed, { key: command.key, seq: command.seq, result: { forged: true } }],
      ['failed, the victim’s command', CommandEvent.Failed, { key: command.key, seq: command.seq, reason: 'INTERNAL', message: 'forged' }],
      ['progress, the victim’s command', CommandEvent.Progress, { key: command.key, message: 'forged' }],
    ];
    for (const [attack, event, payload] of reports) judge(`forged report: ${attack}`, outcomeLabel(await emitAndWait(mallory.socket, event, payload)), `${event} ${JSON.stringify(payload)}`);
    const row = await commandRow('victim', command.key);
    expectUnharmed('forged reports', row?.status === 'sent' ? [] : [`the victim's command ${command.key} is now ${JSON.stringify(row)}`]);
  });

  it('refuses a replay of a report already accepted, keeping the first result', async () => {
    const { command } = await flip();
    if (!command) throw new Error('the victim was sent no switch:set to report on');
    const first = await emitAndWait(victim.socket, CommandEvent.Completed, { key: command.key, seq: command.seq, result: { attempt: 'first' } });
    expect(outcomeLabel(first)).toBe('ok');
    await waitFor(async () => (await commandRow('victim', command.key))?.status === 'completed', { description: 'the first report recorded' });
    judge('replay: same completion again', outcomeLabel(await emitAndWait(victim.socket, CommandEvent.Completed, { key: command.key, seq: command.seq, result: { attempt: 'replay' } })), `${CommandEvent.Completed} replayed for ${command.key}`);
    judge('replay: failure after completion', outcomeLabel(await emitAndWait(victim.socket, CommandEvent.Failed, { key: command.key, seq: command.seq, reason: 'INTERNAL', message: 'replay' })), `${CommandEvent.Failed} after completion of ${command.key}`);
    const row = await commandRow('victim', command.key);
    expectUnharmed('replays', isDeepStrictEqual(row, { status: 'completed', result: { attempt: 'first' } }) ? [] : [`the command is now ${JSON.stringify(row)}`]);
  });
});
