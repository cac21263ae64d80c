// A dashboard subscriber over a real socket.io client, recording every event it gets.
import { io, type Socket } from 'socket.io-client';
import { DASHBOARD_NAMESPACE, DashboardEvent, DashboardEventSchemas, onDashboardEvents, type HostChange, type HostsSnapshot } from '../../libs/protocol/src/index.js';
import { waitFor } from './wait.js';

export type Received =
  | { type: 'hosts:snapshot'; payload: HostsSnapshot }
  | { type: 'host:connected' | 'host:updated' | 'host:disconnected'; payload: HostChange };

export interface DashboardClient {
  socket: Socket;
  received: Received[];
  changes(): Extract<Received, { payload: HostChange }>[];
  waitForChange(description: string, match: (change: HostChange, type: string) => boolean, timeoutMs?: number): Promise<HostChange>;
  close(): void;
}

export async function connectDashboard(url: string, token: string, sinceSeq?: number): Promise<DashboardClient> {
  const socket = io(`${url}${DASHBOARD_NAMESPACE}`, {
    transports: ['websocket'],
    auth: sinceSeq === undefined ? { token } : { token, sinceSeq },
    reconnection: false,
  });
  const received: Received[] = [];
  // Parsing what arrives proves the server sends what the protocol declares: the snapshot
  // as its own event, everything after it in `events` frames.
  const handlers = Object.fromEntries(
    Object.entries(DashboardEventSchemas).map(([type, schema]) => [type, (payload: unknown) => received.push({ type, payload: schema.parse(payload) } as Received)]),
  );
  socket.on(DashboardEvent.HostsSnapshot, handlers[DashboardEvent.HostsSnapshot]!);
  onDashboardEvents(socket, handlers, (error) => {
    throw error;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const changes = () => received.filter((r): r is Extract<Received, { payload: HostChange }> => r.type !== 'hosts:snapshot');
  return {
    socket,
    received,
    changes,
    async waitForChange(description, match, timeoutMs = 15_000) {
      let found: HostChange | undefined;
      await waitFor(
        () => {
          found = changes().find((r) => match(r.payload, r.type))?.payload;
          return found !== undefined;
        },
        { timeoutMs, description },
      );
      return found!;
    },
    close: () => void socket.disconnect(),
  };
}
