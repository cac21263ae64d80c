// Whether an agent's TLS client certificate lets it in when mutual TLS is on. The
// certificate is bound to the host it claims: a certificate is issued per host (as
// Octopus issues one per Tentacle), so a stolen agent token is useless without that
// host's key, and one host's key cannot be used to register as another.
import { HandshakeRefusal } from '../../protocol/src/index.js';
import type { HandshakeRefused } from './agent-handshake.js';

/** What the TLS layer established about the peer; read from the socket by the caller. */
export interface ClientCertificateFacts {
  /** The peer sent a certificate at all. */
  presented: boolean;
  /** It chains to the configured client CA and is within its validity period. */
  verified: boolean;
  /** OpenSSL's reason when it did not verify, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
  verifyError?: string;
  /** Its subject, for messages. */
  subject?: string;
  /**
   * Whether it names `hostname` (DNS subjectAltName, or the subject CN when it has no DNS
   * names; no wildcards, which would let one key stand for many hosts). Undefined: the
   * handshake named no hostname, and the token check refuses it anyway.
   */
  namesHostname?: boolean;
}

export function checkClientCertificate(facts: ClientCertificateFacts, hostname: string | undefined): HandshakeRefused | undefined {
  if (!facts.presented) {
    return refuse(HandshakeRefusal.ClientCertificateRequired, 'this control plane requires a client certificate from agents; start the agent with --cert and --key');
  }
  if (!facts.verified) {
    return refuse(
      HandshakeRefusal.ClientCertificateInvalid,
      `the client certificate${facts.subject ? ` (${facts.subject})` : ''} was not accepted: ${facts.verifyError ?? 'not signed by the control plane\'s client CA'}`,
    );
  }
  if (hostname !== undefined && facts.namesHostname === false) {
    return refuse(
      HandshakeRefusal.ClientCertificateHostnameMismatch,
      `the client certificate${facts.subject ? ` (${facts.subject})` : ''} is not issued to ${JSON.stringify(hostname)}: its subjectAltName (or CN) must name the host`,
    );
  }
  return undefined;
}

function refuse(code: string, message: string): HandshakeRefused {
  return { accept: false, code, message };
}
