import { DashboardRefusal } from '../../protocol/src/index.js';
import { checkDashboardOrigin } from './dashboard-origin.js';

describe('the /dashboard Origin check', () => {
  const ownOrigin = 'https://tarmac.example.com:8443';

  it('lets in the control plane\'s own pages', () => {
    expect(checkDashboardOrigin({ origin: 'https://tarmac.example.com:8443', ownOrigin }, [])).toBeUndefined();
  });

  it('lets in a client without an Origin header: not a browser, and it still needs a token', () => {
    expect(checkDashboardOrigin({ origin: undefined, ownOrigin }, [])).toBeUndefined();
  });

  it('refuses a foreign origin with a code and the variable that would allow it', () => {
    expect(checkDashboardOrigin({ origin: 'https://evil.example', ownOrigin }, [])).toEqual({
      accept: false,
      code: DashboardRefusal.OriginNotAllowed,
      message: expect.stringMatching(/"https:\/\/evil\.example".*TARMAC_DASHBOARD_ORIGINS/),
    });
  });

  it.each([
    ['another scheme', 'http://tarmac.example.com:8443'],
    ['another port', 'https://tarmac.example.com'],
    ['a subdomain', 'https://x.tarmac.example.com:8443'],
    ['an opaque origin', 'null'],
    ['garbage', 'not a url'],
  ])('refuses %s', (_, origin) => {
    expect(checkDashboardOrigin({ origin, ownOrigin }, [])?.code).toBe(DashboardRefusal.OriginNotAllowed);
  });

  it('lets in a configured origin, compared as an origin (case and default port do not matter)', () => {
    expect(checkDashboardOrigin({ origin: 'https://Ops.Example.com:443', ownOrigin }, ['https://ops.example.com'])).toBeUndefined();
  });

  it('refuses "null" even when the control plane\'s own origin is unknown', () => {
    expect(checkDashboardOrigin({ origin: 'null', ownOrigin: undefined }, [])?.code).toBe(DashboardRefusal.OriginNotAllowed);
  });
});
