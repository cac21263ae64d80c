// Mutual TLS for the /agents namespace. Browsers and the CLI share the port and have no
// certificate, so the TLS layer only asks for one (requestCert, rejectUnauthorized: false,
// app.ts); this reads what it established and refuses an agent whose certificate did not
// verify against TARMAC_TLS_CLIENT_CA or does not name the host it claims.
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'socket.io';
import { checkClientCertificate, type ClientCertificateFacts, type HandshakeRefused } from '../../../../libs/domain/src/index.js';
import type { TlsConfig } from '../config/config.js';

export function agentClientCertificateRefusal(socket: Socket, tls: TlsConfig | undefined): HandshakeRefused | undefined {
  if (tls?.clientCa === undefined) return undefined;
  const claimed: unknown = (socket.handshake.auth as { hostname?: unknown } | undefined)?.hostname;
  const hostname = typeof claimed === 'string' ? claimed : undefined;
  return checkClientCertificate(clientCertificateFacts(socket.request.socket as TLSSocket, hostname), hostname);
}

function clientCertificateFacts(transport: TLSSocket, hostname: string | undefined): ClientCertificateFacts {
  const certificate = typeof transport.getPeerX509Certificate === 'function' ? transport.getPeerX509Certificate() : undefined;
  if (!certificate) return { presented: false, verified: false };
  const error = transport.authorizationError;
  return {
    presented: true,
    verified: transport.authorized,
    verifyError: error === null || error === undefined ? undefined : String((error as Error & { code?: string }).code ?? error),
    subject: certificate.subject.replaceAll('\n', ', '),
    // OpenSSL's X509_check_host: DNS names first, the CN only when there are none; no wildcards.
    namesHostname: hostname === undefined ? undefined : certificate.checkHost(hostname, { wildcards: false, subject: 'default' }) !== undefined,
  };
}
