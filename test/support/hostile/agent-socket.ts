// The agent protocol spoken by hand (socket.io-client, no agent process), for the
// socket fuzz and the attacker suite: connect with any handshake, register, and emit any
// event with any payload, telling an ack from a disconnect from silence.
import { io, type Socket } from 'socket.io-client';
import {
  AGENTS_NAMESPACE,
  AgentEvent,
  CommandEvent,
  ConnectErrorData,
  HOST_PROBE_EVENT,
  PROTOCOL_VERSION,
  type CommandDispatch,
  type HostRegistration,
} from '../../../libs/protocol/src/index.js';

export type Connected = { socket: Socket; refused?: undefined };
export type Refused = { socket?: undefined; refused: ConnectErrorData };

const live = new Set<Socket>();

/** Connects to /agents with this handshake; resolves with the socket or the refusal. */
export function connectAgent(url: string, auth: Record<string, unknown>, namespace = AGENTS_NAMESPACE): Promise<Connected | Refused> {
  const socket = io(`${url}${namespace}`, { transports: ['websocket'], auth, reconnection: false, timeout: 10_000 });
  live.add(socket);
  socket.once('disconnect', () => live.delete(socket));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (error: Error & { data?: unknown }) => {
      live.delete(socket);
      socket.close();
      const data = ConnectErrorData.safeParse(error.data);
      resolve({ refused: data.success ? data.data : { code: '(none)', message: error.message } });
    });
  });
}

/** The handshake a real agent sends. */
export const agentAuth = (token: string, hostname: string) => ({ token, protocolVersion: PROTOCOL_VERSION, hostname });

export function registration(hostname: string, overrides: Partial<HostRegistration> = {}): HostRegistration {
  return {
    hostname,
    datacenter: 'tc',
    labels: {},
    agentVersion: 'hostile',
    engine: { name: 'none', version: '0', apiVersion: '1.41', status: 'reachable' },
    containers: [],
    ...overrides,
  };
}

export type EmitOutcome =
  | { kind: 'ack'; ack: unknown }
  | { kind: 'disconnect'; reason: string }
  | { kind: 'timeout' };

/** Emits and waits for the ack, the server closing the connection, or `timeoutMs`. `bare`: no payload argument at all, only the ack. */
export function emitAndWait(socket: Socket, event: string, payload: unknown, timeoutMs = 5_000, bare = false): Promise<EmitOutcome> {
  if (socket.disconnected) return Promise.resolve({ kind: 'disconnect', reason: 'already disconnected' });
  return new Promise((resolve) => {
    const onDisconnect = (reason: string) => finish({ kind: 'disconnect', reason });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    const finish = (outcome: EmitOutcome) => {
      clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
      resolve(outcome);
    };
    socket.once('disconnect', onDisconnect);
    const ack = (reply: unknown) => finish({ kind: 'ack', ack: reply });
    if (bare) socket.emit(event, ack);
    else socket.emit(event, payload, ack);
  });
}

/** The ack as a table cell: `ok`, `refused CODE`, or the outcome kind. */
export function outcomeLabel(outcome: EmitOutcome): string {
  if (outcome.kind !== 'ack') return outcome.kind;
  const ack = outcome.ack as { ok?: unknown; code?: unknown } | undefined;
  if (ack?.ok === true) return 'ok';
  if (ack?.ok === false) return `refused ${typeof ack.code === 'string' ? ack.code : '(no code)'}`;
  return 'ack of unknown shape';
}

export function closeAllAgentSockets(): void {
  for (const socket of live) socket.close();
  live.clear();
}

/** A host spoken for by hand: registered, acking every command it is sent (and every probe) and keeping it for the test. */
export interface HandAgent {
  socket: Socket;
  hostname: string;
  token: string;
  dispatches: CommandDispatch[];
}

/**
 * Connects and registers `hostname` with a container of `service`, so commands for that
 * service (a switch:set) are sent to it. Throws when the handshake or the registration is refused.
 */
export async function startHandAgent(url: string, token: string, hostname: string, options: { labels?: Record<string, string>; service?: string } = {}): Promise<HandAgent> {
  const connection = await connectAgent(url, agentAuth(token, hostname));
  if (!connection.socket) throw new Error(`${hostname}: handshake refused: ${connection.refused.code}: ${connection.refused.message}`);
  const agent: HandAgent = { socket: connection.socket, hostname, token, dispatches: [] };
  agent.socket.on(CommandEvent.Dispatch, (payload: CommandDispatch, ack?: (reply: unknown) => void) => {
    agent.dispatches.push(payload);
    ack?.({ ok: true, data: { duplicate: false } });
  });
  // As a real agent does: a live connection answers the probe a second connection for its host sets off.
  agent.socket.on(HOST_PROBE_EVENT, (_payload: unknown, ack?: (reply: unknown) => void) => ack?.({ ok: true, data: {} }));
  const service = options.service ?? 'web';
  const containers = [{ id: `${hostname}-c1`, name: `${hostname}-${service}-r1`, image: 'registry.local/web:1', state: 'running' }];
  const ack = await emitAndWait(agent.socket, AgentEvent.Register, registration(hostname, { labels: options.labels ?? {}, containers }));
  if (outcomeLabel(ack) !== 'ok') throw new Error(`${hostname}: registration ${outcomeLabel(ack)}: ${JSON.stringify(ack)}`);
  return agent;
}
