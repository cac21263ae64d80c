// Whether an agent's handshake is accepted: protocol version, token state, hostname binding.
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

export function decideAgentHandshake(token: AgentTokenState | undefined, hostname: string): HandshakeDecision {
  if (!token) return refuse(HandshakeRefusal.AgentTokenInvalid, 'agent token is not valid');
  if (token.revokedAt) return refuse(HandshakeRefusal.AgentTokenRevoked, 'agent token has been revoked');
  if (token.hostname === null) return { accept: true, bindHostname: true };
  if (token.hostname !== hostname) {
    return refuse(
      HandshakeRefusal.HostnameMismatch,
      `agent token is bound to host ${JSON.stringify(token.hostname)}, not ${JSON.stringify(hostname)}`,
    );
  }
  return { accept: true, bindHostname: false };
}

function refuse(code: string, message: string): HandshakeRefused {
  return { accept: false, code, message };
}
