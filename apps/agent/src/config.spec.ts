import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTestCa, type TestCa } from '../../../test/support/tls.js';
import { AGENT_ENV_NAMES, ConfigError, loadConfig, type ConfigResult } from './config.js';

const defaults = { hostname: 'machine-1' };
const required = { TARMAC_SERVER_URL: 'https://cp.test:8080', TARMAC_AGENT_TOKEN: 'secret', TARMAC_DATACENTER: 'dc-1' };

function config(argv: string[], env: Record<string, string | undefined> = {}) {
  const result: ConfigResult = loadConfig(argv, env, defaults);
  if (result.kind !== 'run') throw new Error('expected a config');
  return result.config;
}

function problems(argv: string[], env: Record<string, string | undefined> = {}): string[] {
  try {
    loadConfig(argv, env, defaults);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads the environment and applies defaults', () => {
    expect(config([], required)).toEqual({
      serverUrl: 'https://cp.test:8080',
      token: 'secret',
      datacenter: 'dc-1',
      labels: {},
      engineSocket: '/var/run/docker.sock',
      hostname: 'machine-1',
      logLevel: 'info',
      stateDir: './.tarmac-agent',
      containerNetwork: 'host',
      lbHost: '0.0.0.0',
      lbPort: 9180,
      keepStopped: 2,
      signalIntervalMs: 5_000,
      insecure: false,
    });
  });

  it('reads the command settings from flags and variables', () => {
    const env = { ...required, TARMAC_AGENT_STATE_DIR: '/var/lib/tarmac', TARMAC_LB_PORT: '9200', TARMAC_KEEP_STOPPED: '5' };
    const argv = [
      '--container-network',
      'ns:/run/netns/h1',
      '--lb-host',
      '10.99.1.2',
      '--keep-stopped',
      '0',
      '--traffic-hook',
      '/usr/local/bin/lb-hook',
      '--config-dir',
      '/var/lib/tarmac-services',
    ];
    expect(config(argv, env)).toMatchObject({
      stateDir: '/var/lib/tarmac',
      configDir: '/var/lib/tarmac-services',
      containerNetwork: 'ns:/run/netns/h1',
      lbHost: '10.99.1.2',
      lbPort: 9200,
      keepStopped: 0,
      trafficHook: '/usr/local/bin/lb-hook',
    });
  });

  it('reads the signal interval from its flag and variable', () => {
    expect(config([], { ...required, TARMAC_SIGNAL_INTERVAL_MS: '2000' }).signalIntervalMs).toBe(2_000);
    expect(config(['--signal-interval', '500'], { ...required, TARMAC_SIGNAL_INTERVAL_MS: '2000' }).signalIntervalMs).toBe(500);
  });

  it('lets flags win over variables', () => {
    const env = { ...required, TARMAC_HOSTNAME: 'from-env', TARMAC_LABELS: 'tier=env', TARMAC_LOG_LEVEL: 'warn' };
    const argv = [
      '--server=https://other.test',
      '--token',
      'flag-token',
      '--datacenter',
      'dc-2',
      '--hostname',
      'from-flag',
      '--label',
      'tier=web',
      '--label',
      'zone=a=b',
      '--engine-socket',
      'unix:///run/podman/podman.sock',
      '--log-level',
      'debug',
    ];
    expect(config(argv, env)).toEqual({
      serverUrl: 'https://other.test',
      token: 'flag-token',
      datacenter: 'dc-2',
      labels: { tier: 'web', zone: 'a=b' },
      engineSocket: '/run/podman/podman.sock',
      hostname: 'from-flag',
      logLevel: 'debug',
      stateDir: './.tarmac-agent',
      containerNetwork: 'host',
      lbHost: '0.0.0.0',
      lbPort: 9180,
      keepStopped: 2,
      signalIntervalMs: 5_000,
      insecure: false,
    });
  });

  it('reads TARMAC_LABELS as a comma-separated list', () => {
    expect(config([], { ...required, TARMAC_LABELS: 'tier=web, zone=eu-1,' }).labels).toEqual({ tier: 'web', zone: 'eu-1' });
  });

  it('treats empty variables as unset', () => {
    expect(config([], { ...required, TARMAC_ENGINE_SOCKET: '', TARMAC_HOSTNAME: '' })).toMatchObject({
      engineSocket: '/var/run/docker.sock',
      hostname: 'machine-1',
    });
  });

  it('names both spellings of a missing setting', () => {
    expect(problems([], {})).toEqual([
      '--server / TARMAC_SERVER_URL: is required',
      '--token / TARMAC_AGENT_TOKEN: is required',
      '--datacenter / TARMAC_DATACENTER: is required',
    ]);
  });

  it.each([
    [['--server', 'ftp://cp.test'], {}, /^--server: must be an http/],
    [[], { TARMAC_SERVER_URL: 'not a url' }, /^TARMAC_SERVER_URL: must be an http/],
    [[], { TARMAC_SERVER_URL: 'https://cp.test/agents' }, /^TARMAC_SERVER_URL: must be the control plane base URL/],
    [['--datacenter', 'DC One'], {}, /^--datacenter: must be lowercase/],
    [[], { TARMAC_HOSTNAME: 'bad_host!' }, /^TARMAC_HOSTNAME: must be a hostname/],
    [['--label', 'novalue'], {}, /^--label: "novalue" must be key=value$/],
    [[], { TARMAC_LABELS: '!bad=1' }, /^TARMAC_LABELS: !bad: label key must be/],
    [['--label', `big=${'x'.repeat(300)}`], {}, /^--label: big: Too big/],
    [['--engine-socket', 'relative.sock'], {}, /^--engine-socket: must be an absolute path/],
    [['--log-level', 'loud'], {}, /^--log-level: must be one of error, warn, info, debug/],
    [['--container-network', 'bridge'], {}, /^--container-network: must be host, none or ns:/],
    [[], { TARMAC_LB_PORT: '70000' }, /^TARMAC_LB_PORT: Too big/],
    [['--lb-port', 'http'], {}, /^--lb-port: Invalid input: expected number/],
    [['--keep-stopped=-1'], {}, /^--keep-stopped: Too small/],
    [[], { TARMAC_TRAFFIC_HOOK: 'hook.sh' }, /^TARMAC_TRAFFIC_HOOK: must be an absolute path/],
    [['--signal-interval', '499'], {}, /^--signal-interval: Too small/],
    [[], { TARMAC_SIGNAL_INTERVAL_MS: '1.5' }, /^TARMAC_SIGNAL_INTERVAL_MS: Invalid input: expected int/],
  ])('refuses %j %j naming the source', (argv, env, message) => {
    const found = problems(argv, { ...required, ...env });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('refuses unknown flags', () => {
    expect(problems(['--sever', 'x'], required)[0]).toMatch(/--sever/);
  });

  it('answers --help without validating anything', () => {
    expect(loadConfig(['--help'], {}, defaults)).toEqual({ kind: 'help' });
  });

  it('exports the variable names for compose files and docs', () => {
    expect([...AGENT_ENV_NAMES].sort()).toEqual([
      'TARMAC_AGENT_CA',
      'TARMAC_AGENT_CERT',
      'TARMAC_AGENT_CONFIG_DIR',
      'TARMAC_AGENT_INSECURE',
      'TARMAC_AGENT_KEY',
      'TARMAC_AGENT_SERVER_FINGERPRINT',
      'TARMAC_AGENT_STATE_DIR',
      'TARMAC_AGENT_TOKEN',
      'TARMAC_CONTAINER_NETWORK',
      'TARMAC_DATACENTER',
      'TARMAC_ENGINE_SOCKET',
      'TARMAC_HOSTNAME',
      'TARMAC_KEEP_STOPPED',
      'TARMAC_LABELS',
      'TARMAC_LB_HOST',
      'TARMAC_LB_PORT',
      'TARMAC_LOG_LEVEL',
      'TARMAC_SERVER_URL',
      'TARMAC_SIGNAL_INTERVAL_MS',
      'TARMAC_TRAFFIC_HOOK',
    ]);
  });

  describe('the transport to the control plane', () => {
    let pki: TestCa;
    let agent: { cert: string; key: string };
    beforeAll(() => {
      pki = makeTestCa();
      agent = pki.clientCertificate('machine-1');
    });

    it.each([
      ['an IP address', 'http://10.0.0.5:8080'],
      ['a name', 'http://cp.test:8080'],
      ['a name that merely starts like loopback', 'http://127.0.0.1.example:8080'],
    ])('refuses plain http to %s without --insecure, naming the flag', (_, url) => {
      const found = problems(['--server', url], required);
      expect(found).toEqual([expect.stringMatching(/^--server: .*clear text.*--insecure \(TARMAC_AGENT_INSECURE=true\)/)]);
    });

    it.each([['http://127.0.0.1:8080'], ['http://127.3.2.1:8080'], ['http://localhost:8080'], ['http://[::1]:8080']])(
      'allows plain http to loopback (%s)',
      (url) => {
        expect(config(['--server', url], required)).toMatchObject({ serverUrl: url, insecure: false });
      },
    );

    it('allows plain http to another machine when told --insecure or TARMAC_AGENT_INSECURE', () => {
      expect(config(['--server', 'http://10.0.0.5:8080', '--insecure'], required).insecure).toBe(true);
      expect(config([], { ...required, TARMAC_SERVER_URL: 'http://10.0.0.5:8080', TARMAC_AGENT_INSECURE: '1' }).insecure).toBe(true);
      expect(problems([], { ...required, TARMAC_SERVER_URL: 'http://10.0.0.5:8080', TARMAC_AGENT_INSECURE: 'false' })[0]).toMatch(/^TARMAC_SERVER_URL: .*--insecure/);
      expect(problems([], { ...required, TARMAC_AGENT_INSECURE: 'yes' })).toEqual(['TARMAC_AGENT_INSECURE: must be true, false, 1 or 0']);
    });

    it('reads the CA and the client certificate and key as PEM text', () => {
      const read = config(['--ca', pki.ca, '--cert', agent.cert], { ...required, TARMAC_AGENT_KEY: agent.key });
      expect(read.ca).toBe(pki.caPem);
      expect(read.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
      expect(read.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    });

    it('refuses a missing file or one that is not PEM, naming the flag', () => {
      const garbage = join(pki.dir, 'garbage.pem');
      writeFileSync(garbage, 'not a certificate');
      expect(problems(['--ca', join(pki.dir, 'absent.pem')], required)).toEqual([expect.stringMatching(/^--ca: cannot read .*absent\.pem: ENOENT$/)]);
      expect(problems([], { ...required, TARMAC_AGENT_CA: garbage })).toEqual([expect.stringMatching(/^TARMAC_AGENT_CA: .*garbage\.pem is not a PEM certificate$/)]);
      expect(problems(['--cert', agent.cert, '--key', garbage], required)).toEqual([expect.stringMatching(/^--key: .* is not a PEM private key$/)]);
    });

    it('refuses a certificate without its key, and a key that is not the certificate\'s', () => {
      expect(problems(['--cert', agent.cert], required)).toEqual(['--key / TARMAC_AGENT_KEY: is required with --cert']);
      const other = pki.clientCertificate('machine-2');
      expect(problems(['--cert', agent.cert, '--key', other.key], required)).toEqual(['--key: is not the private key of the certificate --cert names']);
    });

    it('reads a pinned server fingerprint as openssl prints it, with or without colons, and refuses one that is not SHA-256', () => {
      const pin = 'AB:'.repeat(31) + 'CD';
      const https = ['--server', 'https://cp.test:8443'];
      expect(config([...https, '--server-fingerprint', `sha256 Fingerprint=${pin.toLowerCase()}`], required).serverFingerprint).toBe(pin);
      expect(config(https, { ...required, TARMAC_AGENT_SERVER_FINGERPRINT: pin.replaceAll(':', '') }).serverFingerprint).toBe(pin);
      expect(problems([...https, '--server-fingerprint', 'AB:CD'], required)).toEqual([expect.stringMatching(/^--server-fingerprint: must be a SHA-256 fingerprint/)]);
      expect(problems(['--server', 'http://127.0.0.1:8080', '--server-fingerprint', pin], required)).toEqual([
        expect.stringMatching(/^--server-fingerprint: only apply to an https:\/\/ server/),
      ]);
    });

    it('refuses TLS files with an http:// server, where they would go unused', () => {
      expect(problems(['--server', 'http://127.0.0.1:8080', '--ca', pki.ca], required)).toEqual([
        expect.stringMatching(/^--ca: only apply to an https:\/\/ server/),
      ]);
    });
  });
});
