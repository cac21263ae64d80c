// The /agents namespace: authenticates the handshake, then hands each agent message,
// parsed with the protocol's schemas, to the host service. No decisions here.
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
import { DomainError } from '../../../../libs/domain/src/index.js';
import {
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
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import type { AgentConnection } from '../hosts/host.service.js';
import { HostService } from '../hosts/host.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RolloutEngine } from '../rollout-engine/rollout-engine.service.js';
import { SignalsService } from '../signals/signals.service.js';
import { TrafficService } from '../traffic/traffic.service.js';
import { agentClientCertificateRefusal } from './agent-client-certificate.js';
import { AgentSockets, agentTokenRoom, hostRoom } from './agent-sockets.js';

interface AgentSocketData {
  connection: AgentConnection;
  registered: boolean;
}
type AgentSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, AgentSocketData>;

/** socket.io's reason when the client called `disconnect()` itself. */
const CLIENT_CLOSED = 'client namespace disconnect';

@WebSocketGateway({ namespace: AGENTS_NAMESPACE, transports: ['websocket'] })
export class AgentsGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<AgentSocket> {
  private readonly logger = new Logger(AgentsGateway.name);

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
      const certificateRefused = agentClientCertificateRefusal(socket, this.config.tls);
      if (certificateRefused) {
        this.metrics.agentHandshakesRefused.inc({ code: certificateRefused.code });
        this.logger.warn(`refused agent handshake from ${socket.handshake.address}: ${certificateRefused.code}: ${certificateRefused.message}`);
        return next(handshakeRefusal(certificateRefused.code, certificateRefused.message));
      }
      this.tokens.checkHandshake(socket.handshake.auth).then(
        (decision) => {
          if (!decision.accept) {
            this.metrics.agentHandshakesRefused.inc({ code: decision.code });
            this.logger.warn(`refused agent handshake from ${socket.handshake.address}: ${decision.code}: ${decision.message}`);
            return next(handshakeRefusal(decision.code, decision.message));
          }
          socket.data = {
            connection: { agentTokenId: decision.tokenId, hostname: decision.hostname, connectionId: socket.id },
            registered: false,
          } satisfies AgentSocketData;
          next();
        },
        (error: unknown) => {
          this.logger.error(`agent handshake check failed: ${String(error)}`);
          next(handshakeRefusal(HandshakeRefusal.Unavailable, 'the control plane cannot check tokens right now; retry'));
        },
      );
    });
  }

  handleConnection(socket: AgentSocket): void {
    const { connection } = socket.data;
    void socket.join([agentTokenRoom(connection.agentTokenId), hostRoom(connection.hostname)]);
    this.metrics.agentsConnected.inc();
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
    this.metrics.agentMessages.inc({ type: AgentEvent.Register });
    return toAck(async () => {
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
    this.metrics.agentMessages.inc({ type: CommandEvent.Completed });
    return toAck(async () => {
      const report = parsePayload(CommandCompleted, payload, CommandEvent.Completed);
      this.requireRegistered(socket);
      await this.engine.report(socket.data.connection.hostname, { outcome: 'completed', key: report.key, result: report.result });
      return {};
    });
  }

  @SubscribeMessage(CommandEvent.Failed)
  failed(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    this.metrics.agentMessages.inc({ type: CommandEvent.Failed });
    return toAck(async () => {
      const report = parsePayload(CommandFailed, payload, CommandEvent.Failed);
      this.requireRegistered(socket);
      await this.engine.report(socket.data.connection.hostname, { outcome: 'failed', key: report.key, reason: report.reason, message: report.message });
      return {};
    });
  }

  @SubscribeMessage(CommandEvent.Progress)
  progress(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    this.metrics.agentMessages.inc({ type: CommandEvent.Progress });
    return toAck(async () => {
      const progress = parsePayload(CommandProgress, payload, CommandEvent.Progress);
      this.requireRegistered(socket);
      this.logger.debug(`${socket.data.connection.hostname} ${progress.key}: ${progress.message}`);
      return {};
    });
  }

  private requireRegistered(socket: AgentSocket): void {
    if (!socket.data.registered) {
      throw new DomainError('conflict', AgentAckRefusal.NotRegistered, `send ${AgentEvent.Register} first`);
    }
  }

  @SubscribeMessage(AgentEvent.Heartbeat)
  heartbeat(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<HeartbeatAccepted>> {
    this.metrics.agentMessages.inc({ type: AgentEvent.Heartbeat });
    return toAck(async () => {
      const heartbeat = parsePayload(HostHeartbeat, payload, AgentEvent.Heartbeat);
      this.requireRegistered(socket);
      return { heartbeatIntervalMs: await this.hosts.heartbeat(socket.data.connection, heartbeat) };
    });
  }

  @SubscribeMessage(SIGNALS_EVENT)
  signalsReport(@ConnectedSocket() socket: AgentSocket, @MessageBody() payload: unknown): Promise<Ack<object>> {
    this.metrics.agentMessages.inc({ type: SIGNALS_EVENT });
    return toAck(async () => {
      const signals = parsePayload(HostSignals, payload, SIGNALS_EVENT);
      this.requireRegistered(socket);
      await this.signals.ingest(socket.data.connection.hostname, signals);
      return {};
    });
  }
}
