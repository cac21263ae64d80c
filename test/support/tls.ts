// A certificate authority made at test time with the openssl CLI (scripts/install-test-deps.sh
// installs it), the same commands docs/tls.md gives operators: a CA, a server certificate
// for loopback, and client certificates named after agent hosts. Files in a temp dir
// removed when the test process exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanUpAtExit } from './exit-cleanup.js';

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface TestCa {
  dir: string;
  /** The CA certificate's file. */
  ca: string;
  /** The CA certificate's PEM text. */
  caPem: string;
  /** A server certificate for 127.0.0.1 and localhost (and any extra names), signed by this CA. */
  serverCertificate(extraNames?: string[]): CertificateFiles;
  /** A client certificate whose CN and DNS subjectAltName are `hostname`, signed by this CA. */
  clientCertificate(hostname: string): CertificateFiles;
}

let counter = 0;

export function makeTestCa(name = 'Tarmac test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-tls-'));
  cleanUpAtExit({ kind: 'dir', path: dir });
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', caKey, '-out', ca, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const issue = (subject: string, extensions: string): CertificateFiles => {
    const base = join(dir, `cert-${++counter}`);
    const files = { cert: `${base}.pem`, key: `${base}-key.pem` };
    writeFileSync(`${base}.ext`, extensions);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', files.key, '-out', `${base}.csr`, '-subj', subject]);
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-out', files.cert, '-extfile', `${base}.ext`]);
    return files;
  };
  return {
    dir,
    ca,
    caPem: readFileSync(ca, 'utf8'),
    serverCertificate: (extraNames = []) =>
      issue(
        '/CN=127.0.0.1',
        `subjectAltName=IP:127.0.0.1,DNS:localhost${extraNames.map((n) => (/^[\d.]+$/.test(n) ? `,IP:${n}` : `,DNS:${n}`)).join('')}\n` +
          'extendedKeyUsage=serverAuth\n',
      ),
    clientCertificate: (hostname) => issue(`/CN=${hostname}`, `subjectAltName=DNS:${hostname}\nextendedKeyUsage=clientAuth\n`),
  };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
