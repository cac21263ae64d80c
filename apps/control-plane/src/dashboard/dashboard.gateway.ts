// The /dashboard namespace: API-token handshake, then the feed. Read-only for now.
import { Inject, Logger } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import {
  DASHBOARD_CLIENT_EVENTS,
  DASHBOARD_EVENTS,
  DASHBOARD_NAMESPACE,
  DashboardHandshake,
  DashboardRefusal,
  describeIssues,
  RolloutWatch,
  RolloutWatchEvent,
  type Ack,
  type RolloutView,
} from '../../../../libs/protocol/src/index.js';
import { ApiTokenRepository } from '../auth/api-token.repository.js';
import type { Principal } from '../auth/principal.js';
import { handshakeRefusal, parsePayload, toAck } from '../common/ack.js';
import { boundedSocketParser } from '../common/bounded-socket-parser.js';
import { answerUndeclaredEvents } from '../common/undeclared-events.js';
import { CONFIG } from '../common/core.module.js';
import type { Config } from '../config/config.js';
import { hashToken } from '../common/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RolloutEngine } from '../rollout-engine/rollout-engine.service.js';
import { DashboardFeedService, eventFrame } from './dashboard-feed.service.js';
import { dashboardOriginRefusal } from './dashboard-origin.js';
import { DashboardPublisher } from './dashboard-publisher.js';
import { apiTokenRoom, DashboardSockets } from './dashboard-sockets.js';

const LIVE_ROOM = 'live';

interface DashboardSocketData {
  principal: Principal;
  sinceSeq?: number;
}

// WebSocket only, as the agents' namespace: both share one engine.io server, whose transports
// the first gateway sets, so a namespace cannot offer polling alone; and the dashboard page
// connects over WebSocket. Declared here so that what it says is what it accepts. The same
// holds for the bounded packet decoder: each gateway states it, whichever creates the server.
@WebSocketGateway({ namespace: DASHBOARD_NAMESPACE, transports: ['websocket'], parser: boundedSocketParser })
export class DashboardGateway implements OnGatewayInit<Namespace>, OnGatewayConnection<Socket> {
  private readonly logger = new Logger(DashboardGateway.name);

  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly feed: DashboardFeedService,
    private readonly publisher: DashboardPublisher,
    private readonly sockets: DashboardSockets,
    private readonly metrics: MetricsService,
    private readonly rollouts: RolloutEngine,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  afterInit(namespace: Namespace): void {
    this.publisher.setSink((events) => namespace.to(LIVE_ROOM).emit(DASHBOARD_EVENTS, eventFrame(events)));
    this.sockets.attach(namespace);
    namespace.use((socket, next) => {
      const originRefused = dashboardOriginRefusal(socket, this.config.dashboardOrigins);
      if (originRefused) return next(handshakeRefusal(originRefused.code, originRefused.message));
      const parsed = DashboardHandshake.safeParse(socket.handshake.auth);
      if (!parsed.success) {
        return next(handshakeRefusal(DashboardRefusal.HandshakeInvalid, `handshake: ${describeIssues(parsed.error)}`));
      }
      this.tokens.findPrincipalByHash(hashToken(parsed.data.token)).then(
        (principal) => {
          if (!principal) return next(handshakeRefusal(DashboardRefusal.ApiTokenInvalid, 'API token is not valid or has been revoked'));
          socket.data = { principal, sinceSeq: parsed.data.sinceSeq } satisfies DashboardSocketData;
          next();
        },
        (error: unknown) => {
          this.logger.error(`dashboard handshake check failed: ${String(error)}`);
          next(handshakeRefusal(DashboardRefusal.Unavailable, 'the control plane cannot check tokens right now; retry'));
        },
      );
    });
  }

  handleConnection(socket: Socket): void {
    this.metrics.dashboardSubscribers.inc();
    socket.once('disconnect', () => this.metrics.dashboardSubscribers.dec());
    answerUndeclaredEvents(socket, DASHBOARD_CLIENT_EVENTS, (event, code, closing) => {
      if (closing) this.logger.warn(`closing a dashboard connection: ${code} on ${JSON.stringify(String(event).slice(0, 100))}`);
    });
    const data = socket.data as DashboardSocketData;
    void socket.join(apiTokenRoom(data.principal.tokenId));
    this.feed
      .subscribe(
        {
          send: (type, payload) => socket.emit(type, payload),
          sendEvents: (events) => socket.emit(DASHBOARD_EVENTS, eventFrame(events)),
          goLive: () => void socket.join(LIVE_ROOM),
          get closed() {
            return socket.disconnected;
          },
        },
        data.sinceSeq,
      )
      .catch((error: unknown) => {
        this.logger.error(`dashboard subscription failed: ${String(error)}`);
        socket.disconnect(true);
      });
  }

  /**
   * A rollout's snapshot with the sequence it is at. Its `rollout:updated` and
   * `host:steps` events arrive on the live stream; those up to `seq` are already in it.
   */
  @SubscribeMessage(RolloutWatchEvent)
  watchRollout(@MessageBody() payload: unknown): Promise<Ack<{ seq: number; rollout: RolloutView }>> {
    return toAck(async () => {
      const { rolloutId } = parsePayload(RolloutWatch, payload, RolloutWatchEvent);
      return this.rollouts.snapshot(rolloutId);
    });
  }
}
