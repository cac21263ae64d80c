import { PROTOCOL_VERSION } from '../../protocol/src/index.js';
import { checkProtocolVersion, decideAgentHandshake, decideHostConnection } from './agent-handshake.js';

describe('agent handshake', () => {
  it('refuses a missing, malformed, too old or too new protocol version with distinct codes', () => {
    expect(checkProtocolVersion(undefined)).toMatchObject({ accept: false, code: 'PROTOCOL_VERSION_MISSING' });
    expect(checkProtocolVersion('1')).toMatchObject({ accept: false, code: 'HANDSHAKE_INVALID' });
    expect(checkProtocolVersion(0)).toMatchObject({ accept: false, code: 'PROTOCOL_VERSION_UNSUPPORTED' });
    expect(checkProtocolVersion(PROTOCOL_VERSION + 1)).toMatchObject({
      accept: false,
      code: 'PROTOCOL_VERSION_UNSUPPORTED',
    });
    expect(checkProtocolVersion(PROTOCOL_VERSION)).toBeUndefined();
  });

  it('binds an unbound token to the first hostname and refuses it from any other', () => {
    const unbound = { id: 't1', revokedAt: null, hostname: null };
    expect(decideAgentHandshake(unbound, 'h1', null)).toEqual({ accept: true, bindHostname: true });
    const bound = { ...unbound, hostname: 'h1' };
    expect(decideAgentHandshake(bound, 'h1', 't1')).toEqual({ accept: true, bindHostname: false });
    expect(decideAgentHandshake(bound, 'h2', null)).toMatchObject({ accept: false, code: 'HOSTNAME_MISMATCH' });
  });

  it('refuses unknown and revoked tokens', () => {
    expect(decideAgentHandshake(undefined, 'h1', null)).toMatchObject({ accept: false, code: 'AGENT_TOKEN_INVALID' });
    expect(decideAgentHandshake({ id: 't', revokedAt: new Date(), hostname: 'h1' }, 'h1', 't')).toMatchObject({
      accept: false,
      code: 'AGENT_TOKEN_REVOKED',
    });
  });

  it('refuses a fresh token the hostname another token owns, and lets it take a hostname nobody owns', () => {
    const fresh = { id: 't2', revokedAt: null, hostname: null };
    expect(decideAgentHandshake(fresh, 'h1', 't1')).toMatchObject({ accept: false, code: 'HOSTNAME_OWNED' });
    expect(decideAgentHandshake(fresh, 'h1', null)).toEqual({ accept: true, bindHostname: true });
    // Its own earlier bind, seen after a race it won: not someone else's.
    expect(decideAgentHandshake(fresh, 'h1', 't2')).toEqual({ accept: true, bindHostname: true });
  });

  it('refuses a second connection while the first answers, and replaces a first that stays silent', () => {
    expect(decideHostConnection('answered', 'h1')).toMatchObject({ accept: false, code: 'HOST_ALREADY_CONNECTED' });
    expect(decideHostConnection('silent', 'h1')).toEqual({ accept: true, replace: true });
    expect(decideHostConnection('none', 'h1')).toEqual({ accept: true, replace: false });
  });
});
