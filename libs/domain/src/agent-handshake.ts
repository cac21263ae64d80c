// Whether an agent's handshake is accepted: protocol version, token state, hostname binding,
// and whether a host may have this connection while it has another one.
import { HandshakeRefusal, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../protocol/src/index.js';

export interface AgentTokenState {
  id: string;
  revokedAt: Date | null;
  /** The hostname the token was bound to at its first connection; null until then. */
  hostname: string | null;
}

export type HandshakeRefused = { accept: false; code: string; message: string };
export type HandshakeDecision = { accept: true; bindHostname: boolean } | HandshakeRefused;

export function checkProtocolVersion(version: unknown): HandshakeRefused | undefined {
  if (version === undefined || version === null) {
    return refuse(HandshakeRefusal.ProtocolVersionMissing, 'handshake has no protocolVersion; upgrade the agent');
  }
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    return refuse(HandshakeRefusal.HandshakeInvalid, 'protocolVersion must be an integer');
  }
  if (version < MIN_PROTOCOL_VERSION) {
    return refuse(
      HandshakeRefusal.ProtocolVersionUnsupported,
      `protocol version ${version} is too old: this control plane accepts ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}; upgrade the agent`,
    );
  }
  if (version > PROTOCOL_VERSION) {
    return refuse(
      HandshakeRefusal.ProtocolVersionUnsupported,
      `protocol version ${version} is newer than this control plane's (${PROTOCOL_VERSION}); upgrade the control plane`,
    );
  }
  return undefined;
}

/**
 * One host, one identity: a token binds to a hostname at its first connection, and a
 * hostname is owned by at most one unrevoked token. `hostOwnerId` is the id of the token
 * that owns `hostname` now, or null: a fresh token may take a hostname only when nobody
 * owns it (a new host, or one whose token was revoked for a re-enrollment).
 */
export function decideAgentHandshake(
  token: AgentTokenState | undefined,
  hostname: string,
  hostOwnerId: string | null,
): HandshakeDecision {
  if (!token) return refuse(HandshakeRefusal.AgentTokenInvalid, 'agent token is not valid');
  if (token.revokedAt) return refuse(HandshakeRefusal.AgentTokenRevoked, 'agent token has been revoked');
  if (token.hostname === null) {
    if (hostOwnerId !== null && hostOwnerId !== token.id) {
      return refuse(
        HandshakeRefusal.HostnameOwned,
        `host ${JSON.stringify(hostname)} belongs to another agent token; revoke that token first to enroll this one`,
      );
    }
    return { accept: true, bindHostname: true };
  }
  if (token.hostname !== hostname) {
    return refuse(
      HandshakeRefusal.HostnameMismatch,
      `agent token is bound to host ${JSON.stringify(token.hostname)}, not ${JSON.stringify(hostname)}`,
    );
  }
  return { accept: true, bindHostname: false };
}

/** What the host's current connection showed when another one arrived for it. */
export type LiveConnection = 'none' | 'answered' | 'silent';

/**
 * A host has one live agent connection. A second is refused while the first answers a
 * probe (a copied token, or two agents configured alike); a first that stays silent is
 * taken for dead (a half-open TCP connection after a network blip) and replaced, so a
 * real agent that reconnects does not wait for the server's ping timeout.
 */
export function decideHostConnection(live: LiveConnection, hostname: string): HandshakeRefused | { accept: true; replace: boolean } {
  if (live === 'answered') {
    return refuse(
      HandshakeRefusal.HostAlreadyConnected,
      `host ${JSON.stringify(hostname)} has a live agent connection already; one agent per host`,
    );
  }
  return { accept: true, replace: live === 'silent' };
}

function refuse(code: string, message: string): HandshakeRefused {
  return { accept: false, code, message };
}
