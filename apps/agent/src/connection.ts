// The agent's link to the control plane's /agents namespace: connect, register on every
// (re)connect, heartbeat at the interval the control plane asks for, and tell the caller
// when a refusal means retrying is pointless. Transport drops are retried by socket.io;
// refusals by the server (handshake middleware, forced disconnects) by our own backoff.
// Commands go to the CommandRunner; their reports come back through here, only once the
// host is registered in the current session. So do signals samples, which are never
// queued: one that cannot be sent now is dropped.
import type { PeerCertificate } from 'node:tls';
import { io, type Socket } from 'socket.io-client';
import type { z } from 'zod';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  AGENT_RECONNECT_MAX_DELAY_MS,
  ConnectErrorData,
  FATAL_HANDSHAKE_REFUSALS,
  HostHeartbeatAck,
  HostRegisterAck,
  HostSignalsAck,
  SIGNALS_EVENT,
  PROTOCOL_VERSION,
  AgentAckRefusal,
  CommandEvent,
  CommandReportAck,
  describeIssues,
  heartbeatDelayMs,
  HOST_PROBE_EVENT,
  ok,
  type Ack,
  type AgentHandshake,
  type AgentToServerEvents,
  type HostSignals,
  type ServerToAgentEvents,
} from '../../../libs/protocol/src/index.js';
import { Backoff, type BackoffPolicy } from './backoff.js';
import type { CommandReport } from './command-journal.js';
import type { CommandRunner, ReportDelivery } from './command-runner.js';
import type { EngineIdentity } from './engine-facts.js';
import type { Engine } from './engine.js';
import { buildHeartbeat, buildRegistration, observeEngine, type EngineObservation, type HostIdentity } from './host-report.js';
import type { Logger } from './logger.js';
import type { SignalsDelivery } from './signals/signal-collector.js';

export interface AgentConnectionOptions {
  /** Base URL (origin) of the control plane. */
  serverUrl: string;
  /** PEM texts for an https:// server: the CA to verify it by (else the system's), and a client certificate. */
  tls?: { ca?: string; cert?: string; key?: string; checkServerIdentity?: (hostname: string, certificate: PeerCertificate) => Error | undefined };
  token: string;
  host: HostIdentity;
  engine: Engine;
  engineIdentity: EngineIdentity;
  /** Runs dispatched commands; its journal's lastCommandSeq goes into every registration. */
  commands: CommandRunner;
  logger: Logger;
  /** Called once when the control plane refuses the agent for good; the connection is closed by then. */
  onFatalRefusal: (refusal: ConnectErrorData) => void;
  retry?: BackoffPolicy;
  random?: () => number;
  ackTimeoutMs?: number;
}

type AgentSocket = Socket<ServerToAgentEvents, AgentToServerEvents>;

export const DEFAULT_RETRY: BackoffPolicy = { baseMs: 500, capMs: AGENT_RECONNECT_MAX_DELAY_MS };

export class AgentConnection {
  private readonly socket: AgentSocket;
  private readonly backoff: Backoff;
  private readonly ackTimeoutMs: number;
  private readonly random: () => number;
  /** Bumped on every connect and disconnect; async work from an older session drops its result. */
  private session = 0;
  /** The session in which the control plane acknowledged our registration. */
  private registeredSession = -1;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private engineStatus?: EngineObservation['status'];

  constructor(private readonly options: AgentConnectionOptions) {
    const retry = options.retry ?? DEFAULT_RETRY;
    this.random = options.random ?? Math.random;
    this.backoff = new Backoff(retry, this.random);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    const auth: AgentHandshake = {
      token: options.token,
      protocolVersion: PROTOCOL_VERSION,
      hostname: options.host.hostname,
    };
    this.socket = io(`${options.serverUrl}${AGENTS_NAMESPACE}`, {
      autoConnect: false,
      transports: ['websocket'],
      auth,
      reconnection: true,
      reconnectionDelay: retry.baseMs,
      reconnectionDelayMax: retry.capMs,
      randomizationFactor: 0.5,
      // Handed to the websocket's TLS connection. rejectUnauthorized is the default; said
      // so because nothing may turn it off.
      ...options.tls,
      rejectUnauthorized: true,
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('connect_error', (error) => this.onConnectError(error));
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
    this.socket.on(CommandEvent.Dispatch, (payload, ack) => {
      const answer = options.commands.dispatch(payload);
      if (!answer.ok) options.logger.warn('command dispatch refused', { code: answer.code, reason: answer.message });
      if (typeof ack === 'function') ack(answer);
    });
    // The control plane asks whether this connection is alive when another claims the host.
    this.socket.on(HOST_PROBE_EVENT, (_payload, ack) => {
      if (typeof ack === 'function') ack(ok({}));
    });
    options.commands.attach({
      progress: (payload) => {
        if (this.registeredSession !== this.session || !this.socket.connected) return;
        // Progress is advisory: no retry, and a missing ack is nobody's problem.
        this.socket.timeout(this.ackTimeoutMs).emit(CommandEvent.Progress, payload, () => undefined);
      },
      report: (report) => this.report(report),
    });
  }

  start(): void {
    this.options.logger.info('connecting', { url: `${this.options.serverUrl}${AGENTS_NAMESPACE}` });
    this.socket.connect();
  }

  /** Says goodbye to the control plane (a clean disconnect) and stops every timer. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    this.session++;
    this.socket.disconnect();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  private onConnect(): void {
    const session = ++this.session;
    this.clearTimer();
    // The backoff is reset by a registration, not by a connect: a server that accepts and
    // then drops us at once must not be hammered.
    this.options.logger.info('connected', { socketId: this.socket.id });
    void this.register(session);
  }

  private onConnectError(error: Error): void {
    if (this.stopped) return;
    const refusal = ConnectErrorData.safeParse((error as Error & { data?: unknown }).data);
    if (refusal.success && FATAL_HANDSHAKE_REFUSALS.includes(refusal.data.code)) {
      this.stop();
      this.options.onFatalRefusal(refusal.data);
      return;
    }
    if (this.socket.active) {
      // A transport failure: socket.io's own reconnection is already on it. Its message is
      // only "websocket error"; the cause (refused, a certificate that does not verify) is below.
      this.options.logger.warn('control plane unreachable, socket.io retries', { reason: transportFailure(error) });
      return;
    }
    const delayMs = this.backoff.next();
    this.options.logger.warn('refused by control plane, retrying', {
      code: refusal.success ? refusal.data.code : undefined,
      reason: refusal.success ? refusal.data.message : error.message,
      retryInMs: delayMs,
    });
    this.schedule(delayMs, () => this.socket.connect());
  }

  private onDisconnect(reason: Socket.DisconnectReason): void {
    this.session++;
    this.clearTimer();
    if (this.stopped) return;
    if (reason === 'io server disconnect') {
      // The server closed us on purpose (token revoked, restart, ...); socket.io does not
      // reconnect by itself then. Reconnecting lets the handshake say why, or get us back in.
      const delayMs = this.backoff.next();
      this.options.logger.warn('disconnected by control plane, reconnecting', { retryInMs: delayMs });
      this.schedule(delayMs, () => this.socket.connect());
    } else {
      this.options.logger.warn('disconnected, socket.io reconnects', { reason });
    }
  }

  private async register(session: number): Promise<void> {
    const observation = await this.observe();
    const registration = buildRegistration(this.options.host, this.options.engineIdentity, observation, this.options.commands.lastCommandSeq);
    const ack = await this.request(session, AgentEvent.Register, registration, HostRegisterAck);
    if (ack === undefined) return;
    if (ack.ok) {
      this.backoff.reset();
      this.registeredSession = session;
      // Reports the control plane has not acknowledged (lost with the last connection, or
      // from before a restart) go first; lastCommandSeq already counts them as finished.
      void this.options.commands.flushReports();
      const { heartbeatIntervalMs } = ack.data;
      this.options.logger.info('registered', { heartbeatIntervalMs, containers: registration.containers?.length ?? 'unknown' });
      this.schedule(heartbeatDelayMs(heartbeatIntervalMs, true, this.random), () => this.heartbeat(session, heartbeatIntervalMs));
      return;
    }
    const delayMs = this.backoff.next();
    this.options.logger.error('registration refused', { code: ack.code, reason: ack.message, retryInMs: delayMs });
    this.schedule(delayMs, () => this.register(session));
  }

  private async heartbeat(session: number, intervalMs: number): Promise<void> {
    // The next beat is due one (jittered) interval after this one started, however slow the engine was.
    const startedAt = performance.now();
    const heartbeat = buildHeartbeat(await this.observe());
    const ack = await this.request(session, AgentEvent.Heartbeat, heartbeat, HostHeartbeatAck);
    if (ack === undefined) return;
    if (!ack.ok && ack.code === AgentAckRefusal.NotRegistered) {
      this.options.logger.warn('control plane forgot this host, registering again', { reason: ack.message });
      void this.register(session);
      return;
    }
    let nextIntervalMs = intervalMs;
    if (!ack.ok) this.options.logger.warn('heartbeat refused', { code: ack.code, reason: ack.message });
    else {
      this.options.logger.debug('heartbeat acknowledged', { engine: heartbeat.engine.status });
      // The control plane stretches the interval as the fleet grows (and shrinks it back).
      nextIntervalMs = ack.data.heartbeatIntervalMs ?? intervalMs;
      if (nextIntervalMs !== intervalMs) this.options.logger.info('heartbeat interval changed', { heartbeatIntervalMs: nextIntervalMs, was: intervalMs });
      // Retries reports whose ack timed out on a connection that stayed up.
      void this.options.commands.flushReports();
    }
    const elapsedMs = performance.now() - startedAt;
    this.schedule(Math.max(0, heartbeatDelayMs(nextIntervalMs, false, this.random) - elapsedMs), () => this.heartbeat(session, nextIntervalMs));
  }

  private async report(report: CommandReport): Promise<ReportDelivery> {
    const session = this.session;
    if (this.registeredSession !== session) return { kind: 'undelivered' };
    const ack = await this.request(session, report.event, report.payload, CommandReportAck);
    if (ack === undefined) return { kind: 'undelivered' };
    // Already reported: the first copy counted and only its ack was lost (a reconnect in between).
    if (ack.ok || ack.code === AgentAckRefusal.CommandAlreadyReported) return { kind: 'acknowledged' };
    if (ack.code === 'NO_ACK') return { kind: 'undelivered' };
    return { kind: 'refused', code: ack.code, message: ack.message };
  }

  /** Sends one signals sample in the registered session; the caller logs what became of it. */
  async sendSignals(signals: HostSignals): Promise<SignalsDelivery> {
    const session = this.session;
    if (this.registeredSession !== session) return { kind: 'not-registered' };
    const ack = await this.request(session, SIGNALS_EVENT, signals, HostSignalsAck);
    if (ack === undefined) return { kind: 'not-registered' };
    return ack.ok ? { kind: 'acknowledged' } : { kind: 'refused', code: ack.code, message: ack.message };
  }

  /**
   * Sends one event and parses its ack. Undefined when the session ended meanwhile; a
   * missing or malformed ack becomes a refusal with a local code (NO_ACK, ACK_INVALID).
   */
  private async request<T>(
    session: number,
    event: keyof AgentToServerEvents,
    payload: unknown,
    ackSchema: z.ZodType<Ack<T>>,
  ): Promise<Ack<T> | undefined> {
    if (session !== this.session || !this.socket.connected) return undefined;
    let raw: unknown;
    try {
      // Both events ack with `unknown` that we parse; the typed emit cannot take a union of events.
      raw = await (this.socket.timeout(this.ackTimeoutMs) as unknown as UntypedEmitter).emitWithAck(event, payload);
    } catch (error) {
      raw = { ok: false, code: 'NO_ACK', message: (error as Error).message };
    }
    if (session !== this.session) return undefined;
    const parsed = ackSchema.safeParse(raw);
    if (!parsed.success) {
      return { ok: false, code: 'ACK_INVALID', message: `malformed ${event} ack: ${describeIssues(parsed.error)}` };
    }
    return parsed.data;
  }

  private async observe(): Promise<EngineObservation> {
    const observation = await observeEngine(this.options.engine, this.options.host.hostname);
    if (observation.status !== this.engineStatus) {
      if (observation.status === 'unreachable') {
        this.options.logger.warn('container engine unreachable', { reason: observation.reason });
      } else if (this.engineStatus !== undefined) {
        this.options.logger.info('container engine reachable again');
      }
      this.engineStatus = observation.status;
    }
    return observation;
  }

  private schedule(delayMs: number, action: () => unknown): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) void action();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function transportFailure(error: Error): string {
  const description = (error as Error & { description?: { message?: unknown; error?: { code?: unknown } } }).description;
  const cause = typeof description?.message === 'string' ? description.message : undefined;
  const code = typeof description?.error?.code === 'string' ? description.error.code : undefined;
  return [error.message, cause, code].filter(Boolean).join(': ');
}

type UntypedEmitter = { emitWithAck(event: string, payload: unknown): Promise<unknown> };
