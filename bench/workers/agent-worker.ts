// A load-generating process: holds many simulated agents, each a real socket.io-client
// connection to /agents speaking the real protocol (handshake, host:register,
// host:heartbeat, command:dispatch acks, command:completed), every payload built and
// parsed with libs/protocol's schemas. It stands in for the container engine: commands
// are acknowledged and, when asked, answered as completed after a fixed time without
// touching any engine. Only the control plane's costs are measured through it.
import { io, type Socket } from 'socket.io-client';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  CommandDispatch,
  CommandEvent,
  CommandReportAck,
  ConnectErrorData,
  FATAL_HANDSHAKE_REFUSALS,
  HostHeartbeat,
  HostHeartbeatAck,
  HostRegisterAck,
  HostRegistration,
  heartbeatDelayMs,
  PROTOCOL_VERSION,
  type CommandCompleted,
} from '../../libs/protocol/src/index.js';
import type { AgentIdentity } from '../harness/fixtures.js';
import { epochMs, Histogram } from '../harness/stats.js';
import type { AgentWorkerInit, AgentWorkerReport, DispatchRecord, FromAgentWorker, ToAgentWorker } from './messages.js';

const STAND_IN = 'bench-stand-in';

let config: AgentWorkerInit;
const agents: SimulatedAgent[] = [];
const connectErrors: Record<string, number> = {};
const disconnects: Record<string, number> = {};
const heartbeatAck = new Histogram();
const dispatches: DispatchRecord[] = [];
let registerRetries = 0;
let fatalRefusals = 0;
let heartbeatsSent = 0;
let heartbeatsRefused = 0;
let toldIntervalMs: number | null = null;
let completionsSent = 0;
let completionsFailed = 0;
let measuring = true;

const send = (message: FromAgentWorker) => process.send!(message);
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

class SimulatedAgent {
  readonly socket: Socket;
  registeredAt: number | null = null;
  private session = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly journal = new Set<string>();
  private stopped = false;

  constructor(readonly identity: AgentIdentity) {
    this.socket = io(`${config.serverUrl}${AGENTS_NAMESPACE}`, {
      // One connection per agent, as separate hosts would have (no multiplexing).
      forceNew: true,
      autoConnect: false,
      transports: ['websocket'],
      auth: { token: identity.token, protocolVersion: PROTOCOL_VERSION, hostname: identity.hostname },
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 60_000,
    });
    this.socket.on('connect', () => void this.register(++this.session));
    this.socket.on('connect_error', (error: Error & { data?: unknown }) => this.connectError(error));
    this.socket.on('disconnect', (reason) => {
      this.session++;
      clearTimeout(this.timer);
      if (this.stopped) return;
      bump(disconnects, reason);
      if (reason === 'io server disconnect') this.timer = setTimeout(() => this.socket.connect(), 1000 + Math.random() * 1000);
    });
    this.socket.on(CommandEvent.Dispatch, (payload: unknown, ack: (answer: unknown) => void) => this.dispatch(payload, ack));
  }

  connect(): void {
    this.socket.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket.disconnect();
  }

  private connectError(error: Error & { data?: unknown }): void {
    if (this.stopped) return;
    const refusal = ConnectErrorData.safeParse(error.data);
    bump(connectErrors, refusal.success ? refusal.data.code : error.message);
    if (refusal.success && FATAL_HANDSHAKE_REFUSALS.includes(refusal.data.code)) {
      fatalRefusals++;
      this.stop();
      return;
    }
    // A refusal the agent may retry (UNAVAILABLE): socket.io does not reconnect by itself then.
    if (!this.socket.active) this.timer = setTimeout(() => this.socket.connect(), 1000 + Math.random() * 1000);
  }

  private async register(session: number): Promise<void> {
    const registration = HostRegistration.parse({
      hostname: this.identity.hostname,
      datacenter: config.datacenter,
      labels: { bench: 'true' },
      agentVersion: STAND_IN,
      engine: { name: STAND_IN, version: '0', apiVersion: '1.41', status: 'reachable' },
      containers: [],
      lastCommandSeq: 0,
    });
    let raw: unknown;
    try {
      raw = await this.socket.timeout(config.registerTimeoutMs).emitWithAck(AgentEvent.Register, registration);
    } catch {
      raw = undefined;
    }
    if (session !== this.session) return;
    const ack = HostRegisterAck.safeParse(raw);
    if (!ack.success || !ack.data.ok) {
      registerRetries++;
      this.timer = setTimeout(() => void this.register(session), 1000 + Math.random() * 1000);
      return;
    }
    this.registeredAt ??= epochMs();
    const interval = ack.data.data.heartbeatIntervalMs;
    toldIntervalMs = interval;
    this.timer = setTimeout(() => void this.heartbeat(session, interval), heartbeatDelayMs(interval, true));
  }

  private async heartbeat(session: number, intervalMs: number): Promise<void> {
    const started = epochMs();
    const containers =
      config.heartbeat === 'changed'
        ? [{ id: `bench-${started}`, name: `${this.identity.hostname}-web`, image: 'bench/stand-in:1', state: 'running' }]
        : [];
    const heartbeat = HostHeartbeat.parse({ engine: { status: 'reachable' }, containers });
    heartbeatsSent++;
    let raw: unknown;
    try {
      raw = await this.socket.timeout(30_000).emitWithAck(AgentEvent.Heartbeat, heartbeat);
    } catch {
      raw = undefined;
    }
    if (session !== this.session) return;
    const ack = HostHeartbeatAck.safeParse(raw);
    let nextIntervalMs = intervalMs;
    if (!ack.success || !ack.data.ok) heartbeatsRefused++;
    else {
      // As the real agent: the control plane paces a large fleet through the ack.
      nextIntervalMs = toldIntervalMs = ack.data.data.heartbeatIntervalMs ?? intervalMs;
      if (measuring) heartbeatAck.record(epochMs() - started);
    }
    const elapsed = epochMs() - started;
    this.timer = setTimeout(() => void this.heartbeat(session, nextIntervalMs), Math.max(0, heartbeatDelayMs(nextIntervalMs, false) - elapsed));
  }

  private dispatch(payload: unknown, ack: (answer: unknown) => void): void {
    const receivedAt = epochMs();
    const parsed = CommandDispatch.safeParse(payload);
    if (!parsed.success) {
      ack({ ok: false, code: 'PAYLOAD_INVALID', message: parsed.error.message });
      return;
    }
    const { key, seq } = parsed.data;
    const duplicate = this.journal.has(key);
    this.journal.add(key);
    dispatches.push({ hostname: this.identity.hostname, key, seq, receivedAt, duplicate });
    ack({ ok: true, data: { duplicate } });
    if (duplicate || config.complete === 'none') return;
    setTimeout(() => void this.complete({ key, seq, result: { standIn: STAND_IN, type: parsed.data.command.type } }), config.stepMs);
  }

  private async complete(report: CommandCompleted, attempt = 1): Promise<void> {
    completionsSent++;
    let raw: unknown;
    try {
      raw = await this.socket.timeout(60_000).emitWithAck(CommandEvent.Completed, report);
    } catch {
      raw = undefined;
    }
    const ack = CommandReportAck.safeParse(raw);
    if (ack.success && ack.data.ok) return;
    completionsFailed++;
    if (attempt < 5) setTimeout(() => void this.complete(report, attempt + 1), 1000);
  }
}

function report(): AgentWorkerReport {
  return {
    agents: agents.length,
    registeredAt: agents.map((agent) => agent.registeredAt),
    connectErrors,
    disconnects,
    registerRetries,
    fatalRefusals,
    heartbeatsSent,
    heartbeatsRefused,
    heartbeatAckMs: heartbeatAck.toJSON(),
    heartbeatIntervalMs: toldIntervalMs,
    dispatches,
    completionsSent,
    completionsFailed,
    workerRssMb: process.memoryUsage.rss() / 2 ** 20,
  };
}

process.on('message', (message: ToAgentWorker) => {
  switch (message.type) {
    case 'init':
      config = message;
      for (const identity of message.agents) agents.push(new SimulatedAgent(identity));
      setInterval(() => {
        send({ type: 'progress', registered: agents.filter((a) => a.registeredAt !== null).length, connected: agents.filter((a) => a.socket.connected).length });
      }, 250).unref();
      send({ type: 'ready' });
      return;
    case 'connect':
      for (const agent of agents) agent.connect();
      return;
    case 'measure':
      measuring = message.on;
      if (message.on) heartbeatAck.buckets.clear(), (heartbeatAck.count = 0);
      return;
    case 'collect':
      send({ type: 'collected', report: report() });
      return;
    case 'stop':
      for (const agent of agents) agent.stop();
      setTimeout(() => process.exit(0), 200);
      return;
  }
});
process.on('uncaughtException', (error) => {
  send({ type: 'error', message: error.stack ?? String(error) });
});
// The coordinator is gone (killed, or crashed): nothing left to report to.
process.on('disconnect', () => process.exit(0));
