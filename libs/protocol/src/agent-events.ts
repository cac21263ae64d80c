// The /agents namespace: handshake, the events an agent sends, and the refusal codes.
import { z } from 'zod';
import { text } from './text.js';
import { ackSchema } from './ack.js';
import type { CommandCompleted, CommandDispatch, CommandFailed, CommandProgress } from './commands.js';
import type { HostSignals } from './signals.js';
import { DatacenterName, EngineFacts, EngineStatus, Hostname, Labels, ManagedContainer } from './host.js';

export const AGENTS_NAMESPACE = '/agents';

export const AgentHandshake = z.object({
  token: text().min(1, 'token is required'),
  protocolVersion: z.number().int().positive(),
  hostname: Hostname,
});
export type AgentHandshake = z.infer<typeof AgentHandshake>;

/** Codes in `connect_error.data.code` when the /agents handshake is refused. */
export const HandshakeRefusal = {
  HandshakeInvalid: 'HANDSHAKE_INVALID',
  ProtocolVersionMissing: 'PROTOCOL_VERSION_MISSING',
  ProtocolVersionUnsupported: 'PROTOCOL_VERSION_UNSUPPORTED',
  AgentTokenInvalid: 'AGENT_TOKEN_INVALID',
  AgentTokenRevoked: 'AGENT_TOKEN_REVOKED',
  HostnameMismatch: 'HOSTNAME_MISMATCH',
  Unavailable: 'UNAVAILABLE',
} as const;
export type HandshakeRefusalCode = (typeof HandshakeRefusal)[keyof typeof HandshakeRefusal];

/** Refusals an agent cannot fix by retrying: it stops with the message. */
export const FATAL_HANDSHAKE_REFUSALS: readonly string[] = [
  HandshakeRefusal.HandshakeInvalid,
  HandshakeRefusal.ProtocolVersionMissing,
  HandshakeRefusal.ProtocolVersionUnsupported,
  HandshakeRefusal.AgentTokenInvalid,
  HandshakeRefusal.AgentTokenRevoked,
  HandshakeRefusal.HostnameMismatch,
];

export const ConnectErrorData = z.object({ code: text(), message: text() });
export type ConnectErrorData = z.infer<typeof ConnectErrorData>;

/** Codes in refused acks of agent events. */
export const AgentAckRefusal = {
  PayloadInvalid: 'PAYLOAD_INVALID',
  NotRegistered: 'NOT_REGISTERED',
  HostnameMismatch: 'HOSTNAME_MISMATCH',
  Internal: 'INTERNAL',
} as const;

export const HostRegistration = z.strictObject({
  hostname: Hostname,
  datacenter: DatacenterName,
  labels: Labels,
  agentVersion: text().min(1).max(50),
  engine: EngineFacts,
  /** Absent when the engine could not be read: the control plane keeps what it knew. */
  containers: z.array(ManagedContainer).max(1000).optional(),
  /** The highest command-log sequence this agent has finished; the control plane resends what follows. */
  lastCommandSeq: z.number().int().nonnegative().optional(),
});
export type HostRegistration = z.infer<typeof HostRegistration>;

export const HostRegistered = z.object({ heartbeatIntervalMs: z.number().int().positive() });
export type HostRegistered = z.infer<typeof HostRegistered>;
export const HostRegisterAck = ackSchema(HostRegistered);

/**
 * The longest an agent waits between two attempts to reconnect: a control plane that has
 * just started waits this long (and a grace period) before it calls a host silent that it
 * last heard from before it started.
 */
export const AGENT_RECONNECT_MAX_DELAY_MS = 15_000;

const HEARTBEAT_JITTER = 0.1;

/**
 * How long an agent waits before its next heartbeat. Never longer than the interval the
 * control plane gave (its grace period counts on that), and spread out: the first beat
 * after a registration comes at a random point of the interval, so agents that registered
 * together (a control plane restart, a connect storm) do not all beat in the same
 * millisecond for as long as they stay connected; each later one comes up to 10 % early,
 * so their phases keep drifting apart.
 */
export function heartbeatDelayMs(intervalMs: number, first: boolean, random: () => number = Math.random): number {
  return Math.round(first ? random() * intervalMs : intervalMs * (1 - HEARTBEAT_JITTER * random()));
}

export const HostHeartbeat = z.strictObject({
  engine: z.strictObject({ status: EngineStatus }),
  /** Present when the engine answered; absent means "unchanged, engine not readable". */
  containers: z.array(ManagedContainer).max(1000).optional(),
});
export type HostHeartbeat = z.infer<typeof HostHeartbeat>;
/**
 * The interval to keep to from now on: it stretches as the fleet grows (the control plane
 * paces a large fleet's heartbeats). Absent: keep the current one.
 */
export const HeartbeatAccepted = z.object({ heartbeatIntervalMs: z.number().int().positive().optional() });
export type HeartbeatAccepted = z.infer<typeof HeartbeatAccepted>;
export const HostHeartbeatAck = ackSchema(HeartbeatAccepted);

export const AgentEvent = {
  Register: 'host:register',
  Heartbeat: 'host:heartbeat',
} as const;
export type AgentEventName = (typeof AgentEvent)[keyof typeof AgentEvent];

/** Acks arrive as plain JSON; both ends parse them with the schemas above. */
export type AgentAckCallback = (ack: unknown) => void;

export interface AgentToServerEvents {
  'host:register': (payload: HostRegistration, ack: AgentAckCallback) => void;
  'host:heartbeat': (payload: HostHeartbeat, ack: AgentAckCallback) => void;
  'command:progress': (payload: CommandProgress, ack: AgentAckCallback) => void;
  'command:completed': (payload: CommandCompleted, ack: AgentAckCallback) => void;
  'command:failed': (payload: CommandFailed, ack: AgentAckCallback) => void;
  'host:signals': (payload: HostSignals, ack: AgentAckCallback) => void;
}

export interface ServerToAgentEvents {
  'command:dispatch': (payload: CommandDispatch, ack: AgentAckCallback) => void;
}
