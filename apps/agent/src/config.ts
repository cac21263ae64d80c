// The agent's configuration: command-line flags and environment variables, parsed and
// validated once at start. A flag wins over its variable. Nothing else reads process.env.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DatacenterName, Hostname, Labels } from '../../../libs/protocol/src/index.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { ServerFingerprint } from './server-pin.js';

export interface AgentConfig {
  /** The control plane's base URL (origin only), e.g. `https://tarmac.example:8080`. */
  serverUrl: string;
  token: string;
  datacenter: string;
  labels: Record<string, string>;
  engineSocket: string;
  hostname: string;
  logLevel: LogLevel;
  /** Where the command journal and the traffic status files live. */
  stateDir: string;
  /**
   * Each service's config directory (switches) lives in `<configDir>/<service>`, bind-mounted
   * into its containers: a path the engine resolves on the host. Default `<stateDir>/services`.
   */
  configDir?: string;
  /** `HostConfig.NetworkMode` of every container the agent creates: `host`, `none` or `ns:/path`. */
  containerNetwork: string;
  lbHost: string;
  /** 0 picks a free port (tests). */
  lbPort: number;
  /** Stopped containers of a service kept for a fast rollback, besides the one just stopped. */
  keepStopped: number;
  /** Absolute path of a program run as `<hook> <service> serving|drained` after each traffic change. */
  trafficHook?: string;
  /** Milliseconds between two signals samples of the host's containers. */
  signalIntervalMs: number;
  /** PEM: the CA the server's certificate must chain to, instead of the system store. */
  ca?: string;
  /** PEM: this agent's client certificate and its key, for a control plane that requires mutual TLS. */
  cert?: string;
  key?: string;
  /** The SHA-256 fingerprint the server's own certificate must have (`AB:CD:…`), on top of the chain check. */
  serverFingerprint?: string;
  /** Allows a plain http:// server that is not on loopback (the token then crosses the network in clear). */
  insecure: boolean;
}

/** Each setting: its flag, its environment variable, and its schema. */
const SETTINGS = {
  serverUrl: {
    flag: 'server',
    env: 'TARMAC_SERVER_URL',
    schema: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      // The namespace is appended to the origin; a path here would silently become a namespace.
      .refine((value) => !URL.canParse(value) || isBareOrigin(new URL(value)), {
        error: 'must be the control plane base URL, without a path or query',
      })
      .transform((value) => new URL(value).origin),
  },
  token: { flag: 'token', env: 'TARMAC_AGENT_TOKEN', schema: z.string().min(1, 'must not be empty') },
  datacenter: { flag: 'datacenter', env: 'TARMAC_DATACENTER', schema: DatacenterName },
  labels: {
    flag: 'label',
    env: 'TARMAC_LABELS',
    schema: z
      .array(z.string().regex(/^[^=]+=/, { error: (issue) => `${JSON.stringify(issue.input)} must be key=value` }))
      .transform((pairs) => Object.fromEntries(pairs.map((pair) => splitOnce(pair, '='))))
      .pipe(Labels)
      .default({}),
  },
  engineSocket: {
    flag: 'engine-socket',
    env: 'TARMAC_ENGINE_SOCKET',
    // `unix:///path` is how DOCKER_HOST spells it; accept it too.
    schema: z
      .string()
      .transform((value) => value.replace(/^unix:\/\//, ''))
      .pipe(z.string().startsWith('/', 'must be an absolute path to a unix socket'))
      .default('/var/run/docker.sock'),
  },
  hostname: { flag: 'hostname', env: 'TARMAC_HOSTNAME', schema: Hostname },
  logLevel: {
    flag: 'log-level',
    env: 'TARMAC_LOG_LEVEL',
    schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  },
  stateDir: { flag: 'state-dir', env: 'TARMAC_AGENT_STATE_DIR', schema: z.string().min(1).default('./.tarmac-agent') },
  configDir: {
    flag: 'config-dir',
    env: 'TARMAC_AGENT_CONFIG_DIR',
    schema: z.string().startsWith('/', 'must be an absolute path (the container engine resolves it on the host)').optional(),
  },
  containerNetwork: {
    flag: 'container-network',
    env: 'TARMAC_CONTAINER_NETWORK',
    // Podman's default bridge is not ours (ENVIRONMENT.md), and the agent probes containers on 127.0.0.1.
    schema: z
      .string()
      .regex(/^(host|none|ns:\/[^\0]+)$/, 'must be host, none or ns:/path/of/a/network/namespace')
      .default('host'),
  },
  lbHost: { flag: 'lb-host', env: 'TARMAC_LB_HOST', schema: z.string().min(1).default('0.0.0.0') },
  lbPort: { flag: 'lb-port', env: 'TARMAC_LB_PORT', schema: z.coerce.number<string>().int().min(0).max(65_535).default(9180) },
  keepStopped: { flag: 'keep-stopped', env: 'TARMAC_KEEP_STOPPED', schema: z.coerce.number<string>().int().min(0).max(100).default(2) },
  trafficHook: {
    flag: 'traffic-hook',
    env: 'TARMAC_TRAFFIC_HOOK',
    schema: z.string().startsWith('/', 'must be an absolute path to a program').optional(),
  },
  signalIntervalMs: {
    flag: 'signal-interval',
    env: 'TARMAC_SIGNAL_INTERVAL_MS',
    // Below half a second the probes and log reads of a busy host would overlap.
    schema: z.coerce.number<string>().int().min(500).max(3_600_000).default(5_000),
  },
  ca: { flag: 'ca', env: 'TARMAC_AGENT_CA', schema: pemFile('certificate').optional() },
  cert: { flag: 'cert', env: 'TARMAC_AGENT_CERT', schema: pemFile('certificate').optional() },
  key: { flag: 'key', env: 'TARMAC_AGENT_KEY', schema: pemFile('private key').optional() },
  serverFingerprint: { flag: 'server-fingerprint', env: 'TARMAC_AGENT_SERVER_FINGERPRINT', schema: ServerFingerprint.optional() },
  insecure: {
    flag: 'insecure',
    env: 'TARMAC_AGENT_INSECURE',
    schema: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true, false, 1 or 0' })
      .transform((value) => value === true || value === 'true' || value === '1')
      .default(false),
  },
} as const;

type SettingKey = keyof typeof SETTINGS;
const KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The environment variables the agent reads (the public contract: README, compose files). */
export const AGENT_ENV_NAMES = KEYS.map((key) => SETTINGS[key].env);

export const USAGE = `Usage: tarmac-agent [options]

Connects this host's container engine to a Tarmac control plane.
Every option can also be set with its environment variable; the flag wins.

  --server URL            TARMAC_SERVER_URL     control plane base URL (required)
  --token TOKEN           TARMAC_AGENT_TOKEN    agent token (required; prefer the
                                                variable, flags show up in ps)
  --datacenter NAME       TARMAC_DATACENTER     datacenter of this host (required)
  --label KEY=VALUE       TARMAC_LABELS         host label, repeatable
                                                (variable: k=v,k2=v2)
  --engine-socket PATH    TARMAC_ENGINE_SOCKET  Docker API socket
                                                (default /var/run/docker.sock)
  --hostname NAME         TARMAC_HOSTNAME       hostname to register as
                                                (default: the machine's)
  --log-level LEVEL       TARMAC_LOG_LEVEL      ${LOG_LEVELS.join(', ')} (default info)
  --state-dir DIR         TARMAC_AGENT_STATE_DIR
                                                command journal and traffic state
                                                (default ./.tarmac-agent)
  --config-dir DIR        TARMAC_AGENT_CONFIG_DIR
                                                services' config directories (switches),
                                                mounted read-only into their containers
                                                at /www/tarmac; a host path the engine
                                                sees (default <state-dir>/services)
  --container-network M   TARMAC_CONTAINER_NETWORK
                                                network mode of deployed containers:
                                                host, none or ns:/run/netns/NAME
                                                (default host)
  --lb-host ADDRESS       TARMAC_LB_HOST        address of the load balancer check
                                                endpoint GET /lb/<service>
                                                (default 0.0.0.0)
  --lb-port PORT          TARMAC_LB_PORT        its port (default 9180; 0: any free)
  --keep-stopped N        TARMAC_KEEP_STOPPED   stopped containers kept per service
                                                for rollback (default 2)
  --traffic-hook PATH     TARMAC_TRAFFIC_HOOK   program run as PATH <service>
                                                serving|drained after each traffic
                                                change (no shell); a failure fails
                                                the traffic command
  --signal-interval MS    TARMAC_SIGNAL_INTERVAL_MS
                                                milliseconds between two samples of
                                                every container's health, restarts,
                                                CPU, memory and log (default 5000,
                                                at least 500)
  --ca FILE               TARMAC_AGENT_CA       PEM CA certificate(s) the control
                                                plane's certificate must chain to,
                                                instead of the system's CAs
  --cert FILE             TARMAC_AGENT_CERT     PEM client certificate, for a control
  --key FILE              TARMAC_AGENT_KEY      plane that requires mutual TLS, and its
                                                key; the certificate names this host
  --server-fingerprint SHA256
                          TARMAC_AGENT_SERVER_FINGERPRINT
                                                pin the control plane's certificate:
                                                its SHA-256 fingerprint, as openssl x509
                                                -noout -fingerprint -sha256 prints it
  --insecure              TARMAC_AGENT_INSECURE allow an http:// server that is not on
                                                loopback: the token crosses the network
                                                in clear text (variable: true or 1)
  --help                                        show this text

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 container engine unreachable, state
dir or load balancer port unusable at start, or unexpected error, 2 invalid
configuration, 3 refused by the control plane.
`;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

export type ConfigResult = { kind: 'run'; config: AgentConfig } | { kind: 'help' };

export interface ConfigDefaults {
  hostname: string;
}

/**
 * Reads flags (`argv` without node and script) and environment. Throws ConfigError
 * whose problems each name the flag or variable at fault.
 */
export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaults: ConfigDefaults,
): ConfigResult {
  const flags = parseFlags(argv);
  if (flags.help) return { kind: 'help' };

  const config: Partial<Record<SettingKey, unknown>> = {};
  const problems: string[] = [];
  for (const key of KEYS) {
    const { flag, env: envName, schema } = SETTINGS[key];
    const fromFlag = flags[flag];
    // An empty variable means "not set", as shells and compose files often write it.
    const fromEnv = env[envName] === '' ? undefined : env[envName];
    const source = fromFlag !== undefined ? `--${flag}` : fromEnv !== undefined ? envName : `--${flag} / ${envName}`;
    let raw: unknown = fromFlag ?? (key === 'labels' ? splitList(fromEnv) : fromEnv);
    if (raw === undefined && key === 'hostname') raw = defaults.hostname;
    if (raw === undefined && !isOptional(schema)) {
      problems.push(`${source}: is required`);
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (parsed.success) config[key] = parsed.data;
    else problems.push(`${source}: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  if (problems.length === 0) problems.push(...transportProblems(config as AgentConfig, flags));
  if (problems.length > 0) throw new ConfigError(problems);
  return { kind: 'run', config: config as AgentConfig };
}

/**
 * The token goes in the handshake: over plain http it is readable by anyone on the path,
 * so that needs saying so (--insecure) unless the server is this machine. TLS files with
 * an http:// server would be silently unused: that is a mistake, not a choice.
 */
function transportProblems(config: AgentConfig, flags: Record<string, unknown>): string[] {
  const name = (key: 'serverUrl' | 'ca' | 'cert' | 'key' | 'serverFingerprint' | 'insecure') => (flags[SETTINGS[key].flag] !== undefined ? `--${SETTINGS[key].flag}` : SETTINGS[key].env);
  const problems: string[] = [];
  if ((config.cert === undefined) !== (config.key === undefined)) {
    problems.push(`${config.cert === undefined ? '--cert / TARMAC_AGENT_CERT' : '--key / TARMAC_AGENT_KEY'}: is required with ${name(config.cert === undefined ? 'key' : 'cert')}`);
  } else if (config.cert !== undefined && config.key !== undefined && !new X509Certificate(config.cert).checkPrivateKey(createPrivateKey(config.key))) {
    problems.push(`${name('key')}: is not the private key of the certificate ${name('cert')} names`);
  }
  const url = new URL(config.serverUrl);
  if (url.protocol === 'http:') {
    const tlsFiles = (['ca', 'cert', 'key', 'serverFingerprint'] as const).filter((key) => config[key] !== undefined);
    if (tlsFiles.length > 0) {
      problems.push(`${tlsFiles.map(name).join(', ')}: only apply to an https:// server, and ${name('serverUrl')} is ${config.serverUrl}`);
    } else if (!config.insecure && !isLoopback(url.hostname)) {
      problems.push(
        `${name('serverUrl')}: ${config.serverUrl} is plain http to another machine, which sends the agent token in clear text; ` +
          'use https://, or pass --insecure (TARMAC_AGENT_INSECURE=true) to allow it',
      );
    }
  }
  return problems;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** A PEM file's text, read and parsed now so that a bad file is a configuration error (exit 2). */
function pemFile(kind: 'certificate' | 'private key') {
  return z.string().min(1, 'must be a file path').transform((path, context) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      context.addIssue({ code: 'custom', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
      return z.NEVER;
    }
    try {
      if (kind === 'certificate') new X509Certificate(text);
      else createPrivateKey(text);
    } catch {
      context.addIssue({ code: 'custom', message: `${path} is not a PEM ${kind}` });
      return z.NEVER;
    }
    return text;
  });
}

function parseFlags(argv: readonly string[]): Record<string, string | string[] | boolean | undefined> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        datacenter: { type: 'string' },
        label: { type: 'string', multiple: true },
        'engine-socket': { type: 'string' },
        hostname: { type: 'string' },
        'log-level': { type: 'string' },
        'state-dir': { type: 'string' },
        'config-dir': { type: 'string' },
        'container-network': { type: 'string' },
        'lb-host': { type: 'string' },
        'lb-port': { type: 'string' },
        'keep-stopped': { type: 'string' },
        'traffic-hook': { type: 'string' },
        'signal-interval': { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        'server-fingerprint': { type: 'string' },
        insecure: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
    return values;
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

// Record keys (labels) fail as "Invalid key in record" with the real reason nested.
function describeIssue(issue: z.core.$ZodIssue): string {
  // A list index says less than the message (which quotes the bad item); a label key says more.
  const path = issue.path.filter((segment) => typeof segment === 'string');
  const where = path.length > 0 ? `${path.join('.')}: ` : '';
  const message = issue.code === 'invalid_key' ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
  return `${where}${message}`;
}

function isBareOrigin(url: URL): boolean {
  return (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
}

function isOptional(schema: z.ZodType): boolean {
  return schema.safeParse(undefined).success;
}

function splitList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function splitOnce(value: string, separator: string): [string, string] {
  const at = value.indexOf(separator);
  return [value.slice(0, at), value.slice(at + 1)];
}
