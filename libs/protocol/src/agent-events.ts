// The /agents namespace: handshake, the events an agent sends, and the refusal codes.
import { z } from 'zod';
import { text } from './text.js';
import { ackSchema } from './ack.js';
import { CommandEvent, type CommandCompleted, type CommandDispatch, type CommandFailed, type CommandProgress } from './commands.js';
import { SIGNALS_EVENT, type HostSignals } from './signals.js';
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
  /** A token never used claims a hostname another token owns. */
  HostnameOwned: 'HOSTNAME_OWNED',
  /** The host has a live connection already (a copied token, or a second agent). */
  HostAlreadyConnected: 'HOST_ALREADY_CONNECTED',
  Unavailable: 'UNAVAILABLE',
  /** Mutual TLS is on (TARMAC_TLS_CLIENT_CA) and the agent sent no certificate. */
  ClientCertificateRequired: 'CLIENT_CERTIFICATE_REQUIRED',
  /** ...or one that does not verify against that CA (unknown issuer, expired, ...). */
  ClientCertificateInvalid: 'CLIENT_CERTIFICATE_INVALID',
  /** ...or one issued to another host than the one the agent claims. */
  ClientCertificateHostnameMismatch: 'CLIENT_CERTIFICATE_HOSTNAME_MISMATCH',
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
  HandshakeRefusal.HostnameOwned,
  // The agent reads its certificate once, at start: retrying sends the same one.
  HandshakeRefusal.ClientCertificateRequired,
  HandshakeRefusal.ClientCertificateInvalid,
  HandshakeRefusal.ClientCertificateHostnameMismatch,
];

export const ConnectErrorData = z.object({ code: text(), message: text() });
export type ConnectErrorData = z.infer<typeof ConnectErrorData>;

/** Codes in refused acks of agent events. */
export const AgentAckRefusal = {
  PayloadInvalid: 'PAYLOAD_INVALID',
  NotRegistered: 'NOT_REGISTERED',
  HostnameMismatch: 'HOSTNAME_MISMATCH',
  /** A report for a command this host was never sent. */
  CommandUnknown: 'COMMAND_UNKNOWN',
  /** A report for a command whose outcome is already recorded (a replay, or an ack that was lost). */
  CommandAlreadyReported: 'COMMAND_ALREADY_REPORTED',
  /** An event the protocol does not declare. */
  EventUnknown: 'EVENT_UNKNOWN',
  /** A declared event sent without an ack callback: it cannot be answered, so its connection is closed. */
  AckMissing: 'ACK_MISSING',
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

/**
 * Sent by the control plane to a host's live connection when another one arrives for the
 * same host: an agent that answers is alive, so the newcomer is refused; one that does not
 * answer in time is taken for dead and replaced.
 */
export const HOST_PROBE_EVENT = 'host:probe';
export const HOST_PROBE_TIMEOUT_MS = 2_000;
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

/** Every event an agent may send; anything else is refused with EVENT_UNKNOWN. */
export const AGENT_TO_SERVER_EVENTS: readonly string[] = [
  AgentEvent.Register,
  AgentEvent.Heartbeat,
  CommandEvent.Progress,
  CommandEvent.Completed,
  CommandEvent.Failed,
  SIGNALS_EVENT,
] satisfies (keyof AgentToServerEvents)[];

export interface ServerToAgentEvents {
  'command:dispatch': (payload: CommandDispatch, ack: AgentAckCallback) => void;
  'host:probe': (payload: Record<string, never>, ack: AgentAckCallback) => void;
}
