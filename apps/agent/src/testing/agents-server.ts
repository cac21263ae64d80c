// For agent tests: a real socket.io 4.8 server implementing just enough of the control
// plane's /agents namespace (handshake refusals, register, heartbeat, signals) to watch an agent
// talk to it. It parses with the same protocol schemas as the control plane. Commands:
// dispatch() sends one to every connected agent; reports are recorded and acked unless
// `ackReports` is off (a control plane that never answers).
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  AgentAckRefusal,
  AgentHandshake,
  CommandCompleted,
  CommandEvent,
  CommandFailed,
  CommandProgress,
  HandshakeRefusal,
  HostHeartbeat,
  HostRegistration,
  HostSignals,
  SIGNALS_EVENT,
  describeIssues,
  ok,
  refuse,
  type AgentAckCallback,
} from '../../../../libs/protocol/src/index.js';

export type Received =
  | { type: 'connected'; socketId: string; hostname: string }
  | { type: 'register'; socketId: string; payload: HostRegistration }
  | { type: 'heartbeat'; socketId: string; payload: HostHeartbeat }
  | { type: 'signals'; socketId: string; payload: HostSignals }
  | { type: 'progress'; socketId: string; payload: CommandProgress }
  | { type: 'completed'; socketId: string; payload: CommandCompleted }
  | { type: 'failed'; socketId: string; payload: CommandFailed }
  | { type: 'invalid'; socketId: string; event: string; problem: string }
  | { type: 'disconnected'; socketId: string; reason: string };

export class AgentsTestServer {
  readonly received: Received[] = [];
  /** token -> refusal the handshake middleware answers with. */
  readonly refusals = new Map<string, { code: string; message: string }>();
  /** Told at registration and in every heartbeat ack: change it to pace the agents. */
  heartbeatIntervalMs = 100;
  /** Off: command reports are recorded but never acknowledged. */
  ackReports = true;
  private io!: Server;
  private http!: HttpServer;

  /** Port 0 picks a free one; pass an old server's port to stand in for it after a restart. */
  async start(port = 0): Promise<this> {
    this.http = createServer();
    this.io = new Server(this.http, { transports: ['websocket'] });
    const agents = this.io.of(AGENTS_NAMESPACE);
    agents.use((socket, next) => {
      const handshake = AgentHandshake.safeParse(socket.handshake.auth);
      const refusal = handshake.success
        ? this.refusals.get(handshake.data.token)
        : { code: HandshakeRefusal.HandshakeInvalid, message: describeIssues(handshake.error) };
      if (!refusal) return next();
      next(Object.assign(new Error(refusal.message), { data: refusal }));
    });
    agents.on('connection', (socket) => {
      const hostname = (socket.handshake.auth as AgentHandshake).hostname;
      let registered = false;
      this.received.push({ type: 'connected', socketId: socket.id, hostname });
      socket.on(AgentEvent.Register, (payload: unknown, ack: AgentAckCallback) => {
        const parsed = HostRegistration.safeParse(payload);
        if (!parsed.success) return this.invalid(socket.id, AgentEvent.Register, describeIssues(parsed.error), ack);
        registered = true;
        this.received.push({ type: 'register', socketId: socket.id, payload: parsed.data });
        ack(ok({ heartbeatIntervalMs: this.heartbeatIntervalMs }));
      });
      socket.on(AgentEvent.Heartbeat, (payload: unknown, ack: AgentAckCallback) => {
        const parsed = HostHeartbeat.safeParse(payload);
        if (!parsed.success) return this.invalid(socket.id, AgentEvent.Heartbeat, describeIssues(parsed.error), ack);
        if (!registered) return ack(refuse(AgentAckRefusal.NotRegistered, 'register first'));
        this.received.push({ type: 'heartbeat', socketId: socket.id, payload: parsed.data });
        ack(ok({ heartbeatIntervalMs: this.heartbeatIntervalMs }));
      });
      socket.on(SIGNALS_EVENT, (payload: unknown, ack: AgentAckCallback) => {
        const parsed = HostSignals.safeParse(payload);
        if (!parsed.success) return this.invalid(socket.id, SIGNALS_EVENT, describeIssues(parsed.error), ack);
        if (!registered) return ack(refuse(AgentAckRefusal.NotRegistered, 'register first'));
        this.received.push({ type: 'signals', socketId: socket.id, payload: parsed.data });
        ack(ok({}));
      });
      socket.on(CommandEvent.Progress, (payload: unknown, ack: AgentAckCallback) => {
        const parsed = CommandProgress.safeParse(payload);
        if (!parsed.success) return this.invalid(socket.id, CommandEvent.Progress, describeIssues(parsed.error), ack);
        this.received.push({ type: 'progress', socketId: socket.id, payload: parsed.data });
        ack?.(ok({}));
      });
      for (const [event, schema, type] of [
        [CommandEvent.Completed, CommandCompleted, 'completed'],
        [CommandEvent.Failed, CommandFailed, 'failed'],
      ] as const) {
        socket.on(event, (payload: unknown, ack: AgentAckCallback) => {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) return this.invalid(socket.id, event, describeIssues(parsed.error), ack);
          this.received.push({ type, socketId: socket.id, payload: parsed.data } as Received);
          if (this.ackReports) ack(ok({}));
        });
      }
      socket.on('disconnect', (reason) => this.received.push({ type: 'disconnected', socketId: socket.id, reason }));
    });
    await new Promise<void>((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Forcibly disconnects every agent, as a revoked token would: with the transport closed,
   * or only the namespace (the agent then sees "io server disconnect").
   */
  disconnectAll(closeTransport: boolean): void {
    this.io.of(AGENTS_NAMESPACE).disconnectSockets(closeTransport);
  }

  /** Sends `command:dispatch` to the connected agents; resolves with the first ack. */
  async dispatch(payload: unknown): Promise<unknown> {
    const answers = await this.io.of(AGENTS_NAMESPACE).timeout(5_000).emitWithAck(CommandEvent.Dispatch, payload);
    return answers[0];
  }

  of<T extends Received['type']>(type: T): Extract<Received, { type: T }>[] {
    return this.received.filter((r): r is Extract<Received, { type: T }> => r.type === type);
  }

  /** Polls until `predicate` holds; rejects with what was received if it does not in time. */
  async waitFor(what: string, predicate: (server: this) => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(this.received.map((r) => r.type))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  private invalid(socketId: string, event: string, problem: string, ack: AgentAckCallback): void {
    this.received.push({ type: 'invalid', socketId, event, problem });
    ack(refuse(AgentAckRefusal.PayloadInvalid, problem));
  }
}
