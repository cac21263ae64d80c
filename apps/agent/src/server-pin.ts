// Pinning the control plane's certificate, as Octopus Tentacle pins its server's
// thumbprint: on top of the chain check (--ca or the system store), the server's own
// certificate must have the SHA-256 fingerprint the operator gave, so a certificate some
// other trusted CA issued for the same name is not enough.
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { z } from 'zod';

/**
 * A SHA-256 fingerprint as openssl prints it (`sha256 Fingerprint=AB:CD:…`), with or
 * without the prefix and the colons, in either case; kept as Node reports it (`AB:CD:…`).
 */
export const ServerFingerprint = z
  .string()
  .transform((value) => value.trim().replace(/^(sha256 fingerprint=|sha256:)/i, '').replaceAll(':', '').toUpperCase())
  .refine((hex) => /^[0-9A-F]{64}$/.test(hex), 'must be a SHA-256 fingerprint: 64 hex digits, colons allowed (openssl x509 -noout -fingerprint -sha256)')
  .transform((hex) => hex.match(/../g)!.join(':'));

/** A `checkServerIdentity` for the websocket's TLS connection that also holds the pin. */
export function pinnedServerIdentity(fingerprint: string): (hostname: string, certificate: PeerCertificate) => Error | undefined {
  return (hostname, certificate) => {
    const problem = checkServerIdentity(hostname, certificate);
    if (problem) return problem;
    if (certificate.fingerprint256 === fingerprint) return undefined;
    return Object.assign(
      new Error(`the control plane's certificate has SHA-256 fingerprint ${certificate.fingerprint256}, not the pinned ${fingerprint}`),
      { code: 'SERVER_FINGERPRINT_MISMATCH' },
    );
  };
}
