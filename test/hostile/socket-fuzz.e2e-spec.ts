// Hostile payloads on every event libs/protocol declares, on /agents (as a registered
// agent) and on /dashboard (as a subscriber), plus names no one declared: never an
// INTERNAL ack, every event answered (an ack, or the server closing the connection)
// within a timeout, and the control plane still up at the end.
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { z } from 'zod';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  CommandCompleted,
  CommandDispatch,
  CommandEvent,
  CommandFailed,
  CommandProgress,
  DASHBOARD_NAMESPACE,
  DashboardEvent,
  HostHeartbeat,
  HostRegistration,
  HostSignals,
  RolloutWatch,
  RolloutWatchEvent,
  SIGNALS_EVENT,
} from '../../libs/protocol/src/index.js';
import { agentAuth, closeAllAgentSockets, connectAgent, emitAndWait, outcomeLabel, registration } from '../support/hostile/agent-socket.js';
import { plausible, spoiled, type JsonSchema } from '../support/hostile/schema-values.js';
import { fullSize, hostileRuns, hostileSeed, inPool } from '../support/hostile/size.js';
import { describeValue, Tally } from '../support/hostile/tally.js';
import { hostileShape, hostileString } from '../support/hostile/values.js';
import { killAll } from '../support/processes.js';
import { loggedErrors, startSpawnedControlPlane, type SpawnedControlPlane } from '../support/spawned-control-plane.js';

/** Where the control plane's output stands now, so a run reads only what it caused. */
const outputMark = (cp: SpawnedControlPlane) => ({ out: cp.process.stdout.length, err: cp.process.stderr.length });
type OutputMark = ReturnType<typeof outputMark>;

const RUNS = hostileRuns(400);
const SEED = hostileSeed();
/** Connections fuzzed side by side, one case at a time each (a disconnect is then the case's own). */
const LANES = 16;
const ACK_TIMEOUT_MS = 2_000;

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;

/** What an agent may send, and what only the control plane sends (an agent sending it is hostile too). */
const AGENT_EVENTS: Record<string, z.ZodType> = {
  [AgentEvent.Register]: HostRegistration,
  [AgentEvent.Heartbeat]: HostHeartbeat,
  [CommandEvent.Progress]: CommandProgress,
  [CommandEvent.Completed]: CommandCompleted,
  [CommandEvent.Failed]: CommandFailed,
  [SIGNALS_EVENT]: HostSignals,
  [CommandEvent.Dispatch]: CommandDispatch,
};
const DASHBOARD_EVENTS: Record<string, z.ZodType> = { [RolloutWatchEvent]: RolloutWatch };
/** Names no handler listens to: what the server sends, and made-up ones (socket.io-client itself refuses to send its reserved ones). */
const RESERVED = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];
const UNDECLARED = [...Object.values(DashboardEvent), 'host:unregister', 'admin:grant', '__proto__', 'constructor', 'hasOwnProperty', ''];

interface SocketCase {
  event: string;
  payload: unknown;
  /** Emitted with the ack callback as the only argument: no payload at all. */
  bare: boolean;
}

function socketCase(events: Record<string, z.ZodType>, hostname: string): fc.Arbitrary<SocketCase> {
  const declared = Object.entries(events).map(([event, schema]) => {
    const json = jsonSchema(schema);
    const payload = fc.oneof(
      { weight: 6, arbitrary: spoiled(json) },
      { weight: 2, arbitrary: plausible(json) },
      { weight: 2, arbitrary: hostileShape() },
      { weight: 1, arbitrary: hostileString() },
    );
    // A registration under the connection's own hostname gets past the hostname check to the writes.
    const aimed = event === AgentEvent.Register ? fc.tuple(payload, fc.boolean()).map(([p, keep]) => (keep && p && typeof p === 'object' && !Array.isArray(p) ? { ...p, hostname } : p)) : payload;
    return fc.record({ event: fc.constant(event), payload: aimed, bare: fc.constant(false) });
  });
  const madeUp = hostileString()
    .map((name) => name.slice(0, 200))
    .filter((name) => !RESERVED.includes(name));
  const undeclared = fc.record({ event: fc.oneof(fc.constantFrom(...UNDECLARED), madeUp), payload: hostileShape(), bare: fc.boolean() });
  return fc.oneof({ weight: 10, arbitrary: fc.oneof(...declared) }, { weight: 2, arbitrary: undeclared }, { weight: 1, arbitrary: fc.oneof(...declared).map((c) => ({ ...c, bare: true })) });
}

/**
 * Cases every run sends: signal counters the schema allows (up to 10^12) but an integer
 * column does not (issue 15: one such sample rejected a batch of 500).
 */
function fixedAgentCases(): SocketCase[] {
  const sample = { service: 'web', release: 'r1', image: 'registry.local/web:1', healthy: true, healthFailures: 0, restarts: 0, cpuPercent: 1, memoryBytes: 1, statusCounts: { '200': 1 }, latencyMsSum: 1, latencyCount: 1, errorLines: 0 };
  return (['restarts', 'healthFailures', 'memoryBytes', 'latencyCount', 'errorLines'] as const).map((field) => ({
    event: SIGNALS_EVENT,
    payload: { intervalMs: 5000, containers: [sample, { ...sample, [field]: 2 ** 31 }] },
    bare: false,
  }));
}

/** A connection that comes back after the server closes it, so one disconnect does not end the lane. */
type Lane = { socket?: Socket; open(): Promise<Socket> };

/** Runs each lane's queue of cases on that lane's connection, the lanes side by side. */
async function runLanes(tally: Tally, lanes: Lane[], queues: SocketCase[][]): Promise<void> {
  await inPool(lanes, lanes.length, async (lane, i) => {
    for (const c of queues[i]!) {
      const socket = lane.socket?.connected ? lane.socket : (lane.socket = await lane.open());
      const outcome = await emitAndWait(socket, c.event, c.payload, ACK_TIMEOUT_MS, c.bare);
      const label = outcomeLabel(outcome);
      const sent = `${describeValue(c.event, 60)} ${c.bare ? '(no payload)' : describeValue(c.payload, 600)}`;
      const problems = label === 'refused INTERNAL' ? ['INTERNAL ack'] : outcome.kind === 'timeout' ? [`no ack or disconnect within ${ACK_TIMEOUT_MS} ms`] : [];
      const shown = Object.hasOwn(AGENT_EVENTS, c.event) || Object.hasOwn(DASHBOARD_EVENTS, c.event) ? c.event : UNDECLARED.includes(c.event) ? `(undeclared) ${c.event}` : '(undeclared, made-up name)';
      tally.record(shown, label, problems.map((property) => ({ property, sent, got: outcome.kind === 'ack' ? describeValue(outcome.ack) : label, everyTarget: property === 'INTERNAL ack' })));
    }
  });
}

describe('hostile socket events', () => {
  let cp: SpawnedControlPlane;

  beforeAll(async () => {
    cp = await startSpawnedControlPlane();
    await cp.http().post('/api/v1/datacenters').set('Authorization', cp.admin()).send({ name: 'tc', rolloutOrder: 1 }).expect(201);
  }, 60_000);

  afterAll(async () => {
    closeAllAgentSockets();
    await cp?.close();
    await killAll();
  });

  /** The process up, answering, and having logged no error while the run went on. */
  async function expectStillUp(tally: Tally, from: OutputMark) {
    // Writes batched behind the last acks (signals, heartbeats) land within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const health = await cp.http().get('/healthz').then((r) => r.status, (e: Error) => e.message);
    const errors = loggedErrors(`${cp.process.stdout.slice(from.out)}\n${cp.process.stderr.slice(from.err)}`);
    for (const [text, count] of errors) {
      for (let i = 0; i < count; i++) tally.record(`(control plane log) ${text.slice(0, 100)}`, 'ERROR', [{ property: 'error logged', sent: 'the run above', got: text }]);
    }
    tally.print(['', `replay with TARMAC_HOSTILE_SEED=${SEED} TARMAC_HOSTILE_RUNS=${RUNS}`]);
    expect({ exit: cp.exit(), health }).toEqual({ exit: undefined, health: 200 });
  }

  it(`answers ${RUNS} hostile agent events without an INTERNAL ack, silence or a crash`, async () => {
    const lanes: Lane[] = [];
    for (let i = 0; i < LANES; i++) {
      const hostname = `fuzz-${i}`;
      const { token } = await cp.issueAgentToken(hostname);
      lanes.push({
        async open() {
          const connection = await connectAgent(cp.url, agentAuth(token, hostname));
          if (!connection.socket) throw new Error(`${hostname}: reconnect refused: ${connection.refused.code}: ${connection.refused.message}`);
          // Registered, so heartbeats, reports and signals reach their handlers rather than NOT_REGISTERED.
          const ack = await emitAndWait(connection.socket, AgentEvent.Register, registration(hostname));
          if (outcomeLabel(ack) !== 'ok') throw new Error(`${hostname}: registration ${outcomeLabel(ack)}`);
          return connection.socket;
        },
      });
    }
    const queues = lanes.map((_, i) => fc.sample(socketCase(AGENT_EVENTS, `fuzz-${i}`), { numRuns: Math.ceil(RUNS / LANES), seed: SEED + i }));
    queues[0]!.unshift(...fixedAgentCases());
    const tally = new Tally(`Socket fuzz, ${AGENTS_NAMESPACE}: ${queues.flat().length} events (seed ${SEED})`);
    const from = outputMark(cp);
    await runLanes(tally, lanes, queues);
    await expectStillUp(tally, from);
    expect(tally.violations()).toEqual([]);
  }, fullSize() ? 3_600_000 : 300_000);

  it(`answers ${Math.ceil(RUNS / 4)} hostile dashboard events without an INTERNAL ack, silence or a crash`, async () => {
    const lanes: Lane[] = Array.from({ length: LANES / 2 }, () => ({
      async open() {
        const connection = await connectAgent(cp.url, { token: cp.adminToken }, DASHBOARD_NAMESPACE);
        if (!connection.socket) throw new Error(`dashboard: refused: ${connection.refused.code}: ${connection.refused.message}`);
        return connection.socket;
      },
    }));
    const cases = fc.sample(socketCase(DASHBOARD_EVENTS, 'none'), { numRuns: Math.ceil(RUNS / 4), seed: SEED });
    const queues = lanes.map((_, i) => cases.filter((__, j) => j % lanes.length === i));
    const tally = new Tally(`Socket fuzz, ${DASHBOARD_NAMESPACE}: ${cases.length} events (seed ${SEED})`);
    const from = outputMark(cp);
    await runLanes(tally, lanes, queues);
    await expectStillUp(tally, from);
    expect(tally.violations()).toEqual([]);
  }, fullSize() ? 3_600_000 : 300_000);
});
