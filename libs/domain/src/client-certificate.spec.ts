import { HandshakeRefusal } from '../../protocol/src/index.js';
import { checkClientCertificate } from './client-certificate.js';

describe('an agent client certificate under mutual TLS', () => {
  const good = { presented: true, verified: true, subject: 'CN=web-1', namesHostname: true };

  it('is accepted when it verifies and names the host', () => {
    expect(checkClientCertificate(good, 'web-1')).toBeUndefined();
  });

  it('is required', () => {
    expect(checkClientCertificate({ presented: false, verified: false }, 'web-1')).toMatchObject({
      accept: false,
      code: HandshakeRefusal.ClientCertificateRequired,
      message: expect.stringContaining('--cert and --key'),
    });
  });

  it('must verify against the client CA, and the refusal says why it did not', () => {
    expect(checkClientCertificate({ ...good, verified: false, verifyError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'web-1')).toMatchObject({
      code: HandshakeRefusal.ClientCertificateInvalid,
      message: expect.stringMatching(/CN=web-1.*UNABLE_TO_VERIFY_LEAF_SIGNATURE/),
    });
  });

  it('is checked for verification before its name: an unverified name means nothing', () => {
    expect(checkClientCertificate({ ...good, verified: false, namesHostname: false }, 'web-1')?.code).toBe(HandshakeRefusal.ClientCertificateInvalid);
  });

  it('must be issued to the host the agent claims', () => {
    expect(checkClientCertificate({ ...good, namesHostname: false }, 'web-2')).toMatchObject({
      code: HandshakeRefusal.ClientCertificateHostnameMismatch,
      message: expect.stringContaining('"web-2"'),
    });
  });

  it('leaves a handshake without a hostname to the token check', () => {
    expect(checkClientCertificate({ ...good, namesHostname: undefined }, undefined)).toBeUndefined();
  });
});
