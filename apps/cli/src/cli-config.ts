// Where a command sends its requests: --server/--token flags first, then
// TARMAC_SERVER/TARMAC_TOKEN, then the config file `tarmac login` wrote
// ($TARMAC_CONFIG, or ~/.config/tarmac/config.json). Each setting is resolved on its
// own, so a flag can override just the token of a logged-in server.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from './cli-errors.js';

export interface Connection {
  /** The control plane's origin, e.g. `http://127.0.0.1:8080`. */
  server: string;
  token: string;
}

/** The environment the CLI reads, parsed once in main.ts. */
export interface CliEnvironment {
  server?: string;
  token?: string;
  configPath: string;
  /** Colours on a terminal, unless NO_COLOR is set. */
  colour: boolean;
  /** TARMAC_INSECURE: allows a plain http:// server that is not on loopback. */
  insecure: boolean;
}

export function cliEnvironment(env: NodeJS.ProcessEnv, home: string): CliEnvironment {
  return {
    server: env.TARMAC_SERVER || undefined,
    token: env.TARMAC_TOKEN || undefined,
    configPath: env.TARMAC_CONFIG || join(home, '.config', 'tarmac', 'config.json'),
    colour: !env.NO_COLOR,
    insecure: env.TARMAC_INSECURE === 'true' || env.TARMAC_INSECURE === '1',
  };
}

const ConfigFile = z.object({ server: z.string().optional(), token: z.string().optional() });
type ConfigFile = z.infer<typeof ConfigFile>;

export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`config file ${path} is not JSON; run tarmac login again`);
  }
  const result = ConfigFile.safeParse(parsed);
  if (!result.success) throw new UsageError(`config file ${path} is not a tarmac config; run tarmac login again`);
  return result.data;
}

/** Writes the file readable by its owner only: it holds an API token. */
export async function writeConfigFile(path: string, connection: Connection): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  // `mode` applies only when the file is created; an older file keeps its bits otherwise.
  await chmod(path, 0o600);
}

/**
 * The server's origin; a path would silently change every request's URL. Plain http to
 * another machine sends the API token in clear text, so it needs saying so (insecure).
 */
export function normalizeServer(value: string, source: string, insecure = false): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source}: ${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${source}: must be an http:// or https:// URL`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search) throw new UsageError(`${source}: must be the control plane's base URL, without a path`);
  if (url.protocol === 'http:' && !insecure && !isLoopback(url.hostname)) {
    throw new UsageError(`${source}: ${url.origin} is plain http to another machine, which sends the API token in clear text; use https://, or pass --insecure (TARMAC_INSECURE=1)`);
  }
  return url.origin;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function resolveConnection(flags: { server?: string; token?: string; insecure?: boolean }, env: CliEnvironment, file: ConfigFile): Connection {
  const pick = (name: 'server' | 'token') =>
    flags[name] !== undefined
      ? { value: flags[name], source: `--${name}` }
      : env[name] !== undefined
        ? { value: env[name], source: `TARMAC_${name.toUpperCase()}` }
        : file[name] !== undefined
          ? { value: file[name], source: env.configPath }
          : undefined;
  const server = pick('server');
  const token = pick('token');
  const missing = [server ? undefined : 'server', token ? undefined : 'token'].filter(Boolean);
  if (!server || !token) {
    throw new UsageError(`no ${missing.join(' or ')}: pass --server and --token, set TARMAC_SERVER and TARMAC_TOKEN, or run tarmac login`);
  }
  if (!token.value) throw new UsageError(`${token.source}: the token is empty`);
  return { server: normalizeServer(server.value, server.source, flags.insecure === true || env.insecure), token: token.value };
}
