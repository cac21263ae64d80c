import { cliEnvironment, resolveConnection } from './cli-config.js';
import { UsageError } from './cli-errors.js';

describe('the server the CLI talks to', () => {
  const env = cliEnvironment({}, '/home/erin');
  const resolve = (server: string, options: { insecure?: boolean; env?: NodeJS.ProcessEnv } = {}) =>
    resolveConnection({ server, token: 't', insecure: options.insecure }, options.env ? cliEnvironment(options.env, '/home/erin') : env, {});

  it.each(['https://tarmac.example.com', 'http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'])('takes %s', (server) => {
    expect(resolve(server).server).toBe(server);
  });

  it('refuses plain http to another machine, naming the source and the flag that allows it', () => {
    expect(() => resolve('http://10.0.0.5:8080')).toThrow(UsageError);
    expect(() => resolve('http://10.0.0.5:8080')).toThrow(/^--server: http:\/\/10\.0\.0\.5:8080 is plain http .*clear text.*--insecure \(TARMAC_INSECURE=1\)$/);
    expect(() => resolveConnection({}, { ...env, server: 'http://cp.example' }, { token: 't' })).toThrow(/^TARMAC_SERVER: /);
  });

  it('allows it with --insecure or TARMAC_INSECURE', () => {
    expect(resolve('http://10.0.0.5:8080', { insecure: true }).server).toBe('http://10.0.0.5:8080');
    expect(resolve('http://10.0.0.5:8080', { env: { TARMAC_INSECURE: '1' } }).server).toBe('http://10.0.0.5:8080');
  });
});
