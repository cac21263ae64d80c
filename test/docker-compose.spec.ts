// Keeps docker-compose.yml honest without a Docker engine: the services exist, every
// variable they set is one the code reads (and its value passes the code's own
// validation), the agent's socket is mounted where it looks, and the Dockerfiles exist.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { AGENT_ENV_NAMES, loadConfig as loadAgentConfig } from '../apps/agent/src/config.js';
import { CONFIG_ENV_NAMES, loadConfig as loadControlPlaneConfig } from '../apps/control-plane/src/config/config.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
}

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/** What an operator would export; everything else falls back to the file's defaults. */
const SAMPLE_VARIABLES: Record<string, string> = {
  TARMAC_ADMIN_TOKEN: 'an-admin-token-of-at-least-24-characters',
  TARMAC_AGENT_TOKEN: 'an-agent-token',
  TARMAC_HOSTNAME: 'docker-host-1',
  DOCKER_GID: '999',
};

/** Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}` and `$$`. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, operator?: string, arg?: string) => {
      const set = SAMPLE_VARIABLES[name];
      if (set !== undefined && set !== '') return set;
      if (operator?.endsWith('?')) throw new Error(`required variable ${name} has no sample value in this test`);
      return operator?.endsWith('-') ? (arg ?? '') : '';
    })
    .replace(/\$\$/g, '$');
}

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries: Array<[string, string]> = Array.isArray(env)
    ? env.map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(env).map(([name, value]) => [name, value === null ? '' : String(value)]);
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value)]));
}

/** Container paths of the service's bind mounts, keyed by target. */
function mountTargets(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const [source, target] = interpolate(volume).split(':');
      if (source !== undefined && target !== undefined) mounts.set(target, source);
    } else if (volume.target && volume.source) {
      mounts.set(volume.target, interpolate(volume.source));
    }
  }
  return mounts;
}

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('has the postgres, control-plane and agent services', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'control-plane', 'agent']));
  });

  it('sets only variables the control plane reads, with values it accepts', () => {
    const env = environmentOf(services['control-plane']!);
    const unknown = Object.keys(env).filter((name) => !(CONFIG_ENV_NAMES as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
    expect(() => loadControlPlaneConfig(env)).not.toThrow();
  });

  it('points the control plane at the postgres service', () => {
    const url = new URL(environmentOf(services['control-plane']!).DATABASE_URL!);
    expect(url.hostname).toBe('postgres');
  });

  it('sets only variables the agent reads, with values it accepts', () => {
    const env = environmentOf(services.agent!);
    const unknown = Object.keys(env).filter((name) => !(AGENT_ENV_NAMES as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
    expect(() => loadAgentConfig([], env, { hostname: 'container-id' })).not.toThrow();
  });

  it('runs the agent on the host network, pointed at the port the control plane publishes', () => {
    // Deployed containers use the host network: the agent probes them on 127.0.0.1.
    expect((services.agent as { network_mode?: string }).network_mode).toBe('host');
    const url = new URL(environmentOf(services.agent!).TARMAC_SERVER_URL!);
    expect(url.hostname).toBe('127.0.0.1');
    const published = ((services['control-plane'] as { ports?: string[] }).ports ?? []).map((port) => String(port).split(':')[0]);
    expect(published).toContain(url.port);
  });

  it('keeps the agent’s command journal on a volume', () => {
    const stateDir = environmentOf(services.agent!).TARMAC_AGENT_STATE_DIR!;
    expect([...mountTargets(services.agent!).keys()]).toContain(stateDir);
  });

  it('mounts the Docker socket where the agent looks for it', () => {
    const socket = environmentOf(services.agent!).TARMAC_ENGINE_SOCKET ?? '/var/run/docker.sock';
    const mounts = mountTargets(services.agent!);
    expect([...mounts.keys()]).toContain(socket.replace(/^unix:\/\//, ''));
    expect(mounts.get(socket.replace(/^unix:\/\//, ''))).toMatch(/docker\.sock$/);
  });

  it.each(['control-plane', 'agent'])('builds %s from a Dockerfile that exists', (name) => {
    const build = services[name]!.build;
    expect(build).toBeDefined();
    const context = typeof build === 'string' ? build : (build?.context ?? '.');
    const dockerfile = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
    expect(existsSync(resolve(root, context, dockerfile))).toBe(true);
  });

  // The agent runs through its #! line, which carries its node flags.
  it.each([
    ['control-plane', 'dist/apps/control-plane/src/main.js', 'CMD ["node", "dist/apps/control-plane/src/main.js"]'],
    ['agent', 'dist/agent/tarmac-agent.mjs', 'CMD ["dist/agent/tarmac-agent.mjs"]'],
  ])('runs the %s entry point that npm run build emits (%s)', (name, _entry, cmd) => {
    const build = services[name]!.build as { context?: string; dockerfile: string };
    const dockerfile = readFileSync(resolve(root, build.context ?? '.', build.dockerfile), 'utf8');
    expect(dockerfile).toContain(cmd);
    expect(existsSync(join(root, 'apps', name, 'src', 'main.ts'))).toBe(true);
    if (name === 'agent') expect(readFileSync(join(root, 'apps', name, 'src', 'main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env -S node /);
    // npm run build makes it: the agent's bundle from its own build script.
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.build).toContain(name === 'agent' ? 'apps/agent/build.mjs' : 'tsconfig.build.json');
  });
});
