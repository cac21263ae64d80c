// The control plane's configuration: read from the environment once, at boot, and
// validated. Nothing else in the control plane reads process.env.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment variable name -> schema. The names are the public contract (README, compose file). */
export const ConfigEnvSchema = z.object({
  TARMAC_PORT: integer(0, 65535).default(8080),
  TARMAC_HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  TARMAC_DATABASE_OWNER_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  TARMAC_DATA_DIR: z.string().min(1).default('./.tarmac'),
  TARMAC_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  TARMAC_HEARTBEAT_INTERVAL_MS: integer(100, 600_000).default(5_000),
  TARMAC_AGENT_GRACE_MS: integer(300, 3_600_000).default(15_000),
  TARMAC_MAX_HEARTBEATS_PER_SECOND: integer(1, 1_000_000).default(500),
  TARMAC_LOG_LEVEL: z.enum(LOG_LEVELS).default('log'),
  TARMAC_STEP_TIMEOUT_MS: integer(1000, 3_600_000).default(180_000),
  TARMAC_BATCH_TIMEOUT_MS: integer(1000, 86_400_000).default(1_800_000),
  TARMAC_DRAIN_WAIT_MS: integer(0, 600_000).default(2_000),
  TARMAC_JUDGMENT_INTERVAL_MS: integer(1000, 3_600_000).default(10_000),
  TARMAC_SIGNAL_RETENTION_HOURS: integer(1, 8760).default(72),
  TARMAC_REVIEW_CUTOFF_HOUR: integer(0, 23).default(18),
  TARMAC_TIME_ZONE: z
    .string()
    .refine((zone) => isTimeZone(zone), 'must be an IANA time zone such as UTC or Asia/Shanghai')
    .default('UTC'),
  TARMAC_MOUNT_ALLOW_LIST: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim().replace(/(.)\/+$/, '$1')).filter(Boolean))
    .refine((prefixes) => prefixes.every(isAbsolutePrefix), 'must be comma-separated absolute paths without . or .. segments')
    .default([]),
  TARMAC_TLS_CERT: z.string().optional(),
  TARMAC_TLS_KEY: z.string().optional(),
  TARMAC_TLS_CLIENT_CA: z.string().optional(),
  TARMAC_DASHBOARD_ORIGINS: z
    .string()
    .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isOrigin, { error: (issue) => `${JSON.stringify(issue.input)} must be an origin such as https://tarmac.example.com (scheme, host, optional port; no path)` })))
    .transform((origins) => origins.map((origin) => new URL(origin).origin))
    .default([]),
});

export const CONFIG_ENV_NAMES = Object.keys(ConfigEnvSchema.shape) as (keyof typeof ConfigEnvSchema.shape)[];

export interface Config {
  port: number;
  host: string;
  /** Absent: the control plane runs an embedded PostgreSQL in `dataDir/pg`. */
  databaseUrl?: string;
  /**
   * The schema owner's connection, used only to migrate and to grant the application's role
   * (DATABASE_URL's) what it may do. Absent: DATABASE_URL migrates (docs/database-roles.md).
   */
  databaseOwnerUrl?: string;
  dataDir: string;
  adminToken?: string;
  /** The interval agents are told while the fleet is small... */
  heartbeatIntervalMs: number;
  /** ...how long one may stay unheard at that interval before its host is unreachable... */
  agentGraceMs: number;
  /** ...and the most heartbeats a second a large fleet is paced to (its interval stretches). */
  maxHeartbeatsPerSecond: number;
  logLevel: LogLevel;
  /** A rollout host step with no answer by then fails (DEADLINE_EXCEEDED). */
  stepTimeoutMs: number;
  /** A batch not finished by then pauses its rollout. */
  batchTimeoutMs: number;
  /** How long a drained host keeps serving in-flight requests before its container is replaced. */
  drainWaitMs: number;
  /** How often a judgment window evaluates the signals it has gathered. */
  judgmentIntervalMs: number;
  /** Signal samples older than this are deleted. */
  signalRetentionHours: number;
  /** Code review must be requested before this hour of the working day before launch... */
  reviewCutoffHour: number;
  /** ...in this time zone. */
  timeZone: string;
  /** Absolute path prefixes a service's bind mounts may come from; empty: no bind mounts. */
  mountAllowList: string[];
  /** Present: the API, the dashboard and both socket.io namespaces are served over TLS. */
  tls?: TlsConfig;
  /**
   * Browser origins besides the control plane's own that may open the /dashboard socket
   * (same-origin is always allowed). Empty: same-origin only.
   */
  dashboardOrigins: string[];
}

/** PEM texts, read from the files TARMAC_TLS_* name. */
export interface TlsConfig {
  cert: string;
  key: string;
  /** Present: agents must present a client certificate signed by this CA (mutual TLS). */
  clientCa?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as shells and compose files often write it.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigEnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.TARMAC_AGENT_GRACE_MS <= e.TARMAC_HEARTBEAT_INTERVAL_MS) {
    throw new ConfigError([
      `TARMAC_AGENT_GRACE_MS: must be longer than TARMAC_HEARTBEAT_INTERVAL_MS (${e.TARMAC_HEARTBEAT_INTERVAL_MS})`,
    ]);
  }
  if (e.TARMAC_DATABASE_OWNER_URL && !e.DATABASE_URL) {
    // The embedded database manages both of its roles itself.
    throw new ConfigError(['TARMAC_DATABASE_OWNER_URL: needs DATABASE_URL (the application role\'s URL) as well']);
  }
  return {
    tls: loadTls(e),
    dashboardOrigins: e.TARMAC_DASHBOARD_ORIGINS,
    port: e.TARMAC_PORT,
    host: e.TARMAC_HOST,
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.TARMAC_DATABASE_OWNER_URL,
    dataDir: e.TARMAC_DATA_DIR,
    adminToken: e.TARMAC_ADMIN_TOKEN,
    heartbeatIntervalMs: e.TARMAC_HEARTBEAT_INTERVAL_MS,
    agentGraceMs: e.TARMAC_AGENT_GRACE_MS,
    maxHeartbeatsPerSecond: e.TARMAC_MAX_HEARTBEATS_PER_SECOND,
    logLevel: e.TARMAC_LOG_LEVEL,
    stepTimeoutMs: e.TARMAC_STEP_TIMEOUT_MS,
    batchTimeoutMs: e.TARMAC_BATCH_TIMEOUT_MS,
    drainWaitMs: e.TARMAC_DRAIN_WAIT_MS,
    judgmentIntervalMs: e.TARMAC_JUDGMENT_INTERVAL_MS,
    signalRetentionHours: e.TARMAC_SIGNAL_RETENTION_HOURS,
    reviewCutoffHour: e.TARMAC_REVIEW_CUTOFF_HOUR,
    timeZone: e.TARMAC_TIME_ZONE,
    mountAllowList: e.TARMAC_MOUNT_ALLOW_LIST,
  };
}

/**
 * Reads the PEM files now, so that a missing file or a key that does not belong to the
 * certificate stops the boot (exit 2) instead of failing the first TLS handshake.
 */
function loadTls(e: z.infer<typeof ConfigEnvSchema>): TlsConfig | undefined {
  const { TARMAC_TLS_CERT: certPath, TARMAC_TLS_KEY: keyPath, TARMAC_TLS_CLIENT_CA: caPath } = e;
  if (certPath === undefined && keyPath === undefined) {
    if (caPath !== undefined) throw new ConfigError(['TARMAC_TLS_CLIENT_CA: needs TARMAC_TLS_CERT and TARMAC_TLS_KEY (mutual TLS is TLS)']);
    return undefined;
  }
  if (certPath === undefined || keyPath === undefined) {
    throw new ConfigError([`${certPath === undefined ? 'TARMAC_TLS_CERT' : 'TARMAC_TLS_KEY'}: is required when ${certPath === undefined ? 'TARMAC_TLS_KEY' : 'TARMAC_TLS_CERT'} is set`]);
  }
  const problems: string[] = [];
  const cert = readPem('TARMAC_TLS_CERT', certPath, problems, (pem) => new X509Certificate(pem));
  const key = readPem('TARMAC_TLS_KEY', keyPath, problems, (pem) => createPrivateKey(pem));
  const clientCa = caPath === undefined ? undefined : readPem('TARMAC_TLS_CLIENT_CA', caPath, problems, (pem) => new X509Certificate(pem));
  if (cert && key && !cert.parsed.checkPrivateKey(key.parsed)) {
    problems.push(`TARMAC_TLS_KEY: ${keyPath} is not the private key of the certificate in ${certPath}`);
  }
  if (clientCa && !clientCa.parsed.ca) problems.push(`TARMAC_TLS_CLIENT_CA: ${caPath} is not a CA certificate (basicConstraints CA:TRUE)`);
  if (problems.length > 0 || !cert || !key) throw new ConfigError(problems);
  return { cert: cert.text, key: key.text, clientCa: clientCa?.text };
}

function readPem<T>(name: string, path: string, problems: string[], parse: (pem: string) => T): { text: string; parsed: T } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${name}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
  try {
    return { text, parsed: parse(text) };
  } catch (error) {
    problems.push(`${name}: ${path} is not a PEM ${name === 'TARMAC_TLS_KEY' ? 'private key' : 'certificate'}: ${(error as Error).message}`);
    return undefined;
  }
}

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    (url.pathname === '/' || url.pathname === '') &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === ''
  );
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isAbsolutePrefix(path: string): boolean {
  return path.startsWith('/') && !path.split('/').some((segment) => segment === '.' || segment === '..');
}
