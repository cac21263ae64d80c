// The /agents namespace: authenticates the handshake (the client certificate under mutual
// TLS, then one identity and one live connection per host), then hands each agent message,
// parsed with the protocol's schemas, to the host service. No decisions here. Every event
// gets an answer: an ack, a refusal with a code (counted on /metrics), or, for an event
// sent without an ack, a disconnect.
import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { DomainError, reportRefusal, type HandshakeRefused } from '../../../../libs/domain/src/index.js';
import {
  AGENT_TO_SERVER_EVENTS,
  AGENTS_NAMESPACE,
  AgentAckRefusal,
  AgentEvent,
  HandshakeRefusal,
  CommandCompleted,
  CommandEvent,
  CommandFailed,
  CommandProgress,
  HostHeartbeat,
  HostRegistration,
  HostSignals,
  SIGNALS_EVENT,
  type Ack,
  type HeartbeatAccepted,
  type HostRegistered,
} from '../../../../libs/protocol/src/index.js';
import { AgentTokenService } from '../agent-tokens/agent-token.service.js';
import { handshakeRefusal, parsePayload, toAck } from '../common/ack.js';
import { boundedSocketParser } from '../common/bounded-socket-parser.js';
import { answerUndeclaredEvents } from '../common/undeclared-events.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import type { AgentConnection } from '../hosts/host.service.js';
import { HostService } from '../hosts/host.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RolloutEngine, type CommandReport } from '../rollout-engine/rollout-engine.service.js';
import { SignalsService } from '../signals/signals.service.js';
import { TrafficService } from '../traffic/traffic.service.js';
import { agentClientCertificateRefusal } from './agent-client-certificate.js';
import { AgentSockets, agentTokenRoom, hostRoom } from './agent-sockets.js';
import { HostConnections } from './host-connections.js';

interface AgentSocketData {
  connection: AgentConnection;
  registered: boolean;
}
type AgentSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, AgentSocketData>;

/** socket.io's reason when the client called `disconnect()` itself. */
const CLIENT_CLOSED = 'client namespace disconnect';

// Both gateways share one socket.io server; each states its options, whichever creates it.
@WebSocketGateway({ namespace: AGENTS_NAMESPACE, transports: ['websocket'], parser: boundedSocketParser })
export class AgentsGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<AgentSocket> {
  private readonly logger = new Logger(AgentsGateway.name);
  private readonly connections = new HostConnections();

  constructor(
    private readonly tokens: AgentTokenService,
    private readonly hosts: HostService,
    private readonly sockets: AgentSockets,
    private readonly metrics: MetricsService,
    private readonly engine: RolloutEngine,
    private readonly signals: SignalsService,
    private readonly traffic: TrafficService,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  afterInit(namespace: Namespace): void {
    this.sockets.attach(namespace);
    namespace.use((socket, next) => {
      this.admit(socket).then(
        (refusal) => {
          if (!refusal) return next();
          this.metrics.agentHandshakesRefused.inc({ code: refusal.code });
          this.logger.warn(`refused agent handshake from ${socket.handshake.address}: ${refusal.code}: ${refusal.message}`);
          next(handshakeRefusal(refusal.code, refusal.message));
        },
        (error: unknown) => {
          this.logger.error(`agent handshake check failed: ${String(error)}`);
          next(handshakeRefusal(HandshakeRefusal.Unavailable, 'the control plane cannot check tokens right now; retry'));
        },
      );
    });
  }

  /** The client certificate, the token, then the host's one connection; on success the socket carries its identity. */
  private async admit(socket: AgentSocket): Promise<HandshakeRefused | undefined> {
    const certificateRefused = agentClientCertificateRefusal(socket, this.config.tls);
    if (certificateRefused) return certificateRefused;
    const decision = await this.tokens.checkHandshake(socket.handshake.auth);
    if (!decision.accept) return decision;
    const refusal = await this.connections.claim(decision.hostname, socket);
    if (refusal) return refusal;
    socket.data = {
      connection: { agentTokenId: decision.tokenId, hostname: decision.hostname, connectionId: socket.id },
      registered: false,
    } satisfies AgentSocketData;
    return undefined;
  }

  handleConnection(socket: AgentSocket): void {
    const { connection } = socket.data;
    void socket.join([agentTokenRoom(connection.agentTokenId), hostRoom(connection.hostname)]);
    this.metrics.agentsConnected.inc();
    answerUndeclaredEvents(socket, AGENT_TO_SERVER_EVENTS, (event, code, closing) => {
      // Only a declared event comes back as ACK_MISSING: an undeclared name is not a label value.
      this.metrics.agentMessagesRefused.inc({ type: code === AgentAckRefusal.AckMissing ? event : 'undeclared', code });
      if (closing) this.logger.warn(`closing ${connection.hostname}'s connection: ${code} on ${JSON.stringify(String(event).slice(0, 100))}`);
    });
    socket.once('disconnect', (reason) => {
      this.metrics.agentsConnected.dec();
      if (!socket.data.registered) return;
      this.hosts
        .disconnected(connection, reason === CLIENT_CLOSED)
        .catch((error: unknown) => this.logger.error(`recording disconnect of ${connection.hostname} failed: ${String(error)}`));
    });
  }

  @SubscribeMessage(AgentEvent.Register)
  register(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<HostRegistered>> {
    return this.answer(AgentEvent.Register, async () => {
      const registration = parsePayload(HostRegistration, payload, AgentEvent.Register);
      const { connection } = socket.data;
      if (registration.hostname !== connection.hostname) {
        throw new DomainError(
          'forbidden',
          AgentAckRefusal.HostnameMismatch,
          `registration is for ${JSON.stringify(registration.hostname)} but this connection authenticated as ${JSON.stringify(connection.hostname)}`,
        );
      }
      const { heartbeatIntervalMs } = await this.hosts.register(connection, registration);
      socket.data.registered = true;
      // What the agent missed while away: every unanswered command after its last finished
      // one, and an operator's drain of its datacenter it does not have.
      setImmediate(() => {
        const lastCommandSeq = registration.lastCommandSeq ?? 0;
        this.engine
          .resend(connection.hostname, lastCommandSeq)
          .then(() => this.traffic.catchUp(connection.hostname, lastCommandSeq))
          .catch((error: unknown) => {
            this.logger.warn(`resending commands to ${connection.hostname} failed: ${String(error)}`);
          });
      });
      return { heartbeatIntervalMs };
    });
  }

  @SubscribeMessage(CommandEvent.Completed)
  completed(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    return this.answer(CommandEvent.Completed, async () => {
      const report = parsePayload(CommandCompleted, payload, CommandEvent.Completed);
      this.requireRegistered(socket);
      return this.closeCommand(socket, { outcome: 'completed', key: report.key, result: report.result });
    });
  }

  @SubscribeMessage(CommandEvent.Failed)
  failed(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    return this.answer(CommandEvent.Failed, async () => {
      const report = parsePayload(CommandFailed, payload, CommandEvent.Failed);
      this.requireRegistered(socket);
      return this.closeCommand(socket, { outcome: 'failed', key: report.key, reason: report.reason, message: report.message });
    });
  }

  @SubscribeMessage(CommandEvent.Progress)
  progress(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    return this.answer(CommandEvent.Progress, async () => {
      const progress = parsePayload(CommandProgress, payload, CommandEvent.Progress);
      this.requireRegistered(socket);
      const { hostname } = socket.data.connection;
      const refusal = reportRefusal(await this.engine.progress(hostname, progress.key), hostname, progress.key);
      if (refusal) throw refusal;
      this.logger.debug(`${socket.data.connection.hostname} ${progress.key}: ${progress.message}`);
      return {};
    });
  }

  /** Counts the message, runs its handler, and counts a refusal by its code. */
  private async answer<T>(type: string, work: () => Promise<T>): Promise<Ack<T>> {
    this.metrics.agentMessages.inc({ type });
    const ack = await toAck(work);
    if (!ack.ok) this.metrics.agentMessagesRefused.inc({ type, code: ack.code });
    return ack;
  }

  private async closeCommand(socket: AgentSocket, report: CommandReport): Promise<object> {
    const { hostname } = socket.data.connection;
    const refusal = reportRefusal(await this.engine.report(hostname, report), hostname, report.key);
    if (refusal) throw refusal;
    return {};
  }

  private requireRegistered(socket: AgentSocket): void {
    if (!socket.data.registered) {
      throw new DomainError('conflict', AgentAckRefusal.NotRegistered, `send ${AgentEvent.Register} first`);
    }
  }

  @SubscribeMessage(AgentEvent.Heartbeat)
  heartbeat(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<HeartbeatAccepted>> {
    return this.answer(AgentEvent.Heartbeat, async () => {
      const heartbeat = parsePayload(HostHeartbeat, payload, AgentEvent.Heartbeat);
      this.requireRegistered(socket);
      return { heartbeatIntervalMs: await this.hosts.heartbeat(socket.data.connection, heartbeat) };
    });
  }

  @SubscribeMessage(SIGNALS_EVENT)
  signalsReport(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    return this.answer(SIGNALS_EVENT, async () => {
      const signals = parsePayload(HostSignals, payload, SIGNALS_EVENT);
      this.requireRegistered(socket);
      await this.signals.ingest(socket.data.connection.hostname, signals);
      return {};
    });
  }
}
