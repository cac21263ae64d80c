import { AGENT_ENV_NAMES, ConfigError, loadConfig, type ConfigResult } from './config.js';

const defaults = { hostname: 'machine-1' };
const required = { TARMAC_SERVER_URL: 'http://cp.test:8080', TARMAC_AGENT_TOKEN: 'secret', TARMAC_DATACENTER: 'dc-1' };

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
      serverUrl: 'http://cp.test:8080',
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
    [[], { TARMAC_SERVER_URL: 'http://cp.test/agents' }, /^TARMAC_SERVER_URL: must be the control plane base URL/],
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
      'TARMAC_AGENT_CONFIG_DIR',
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
});
