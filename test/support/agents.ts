// Real tarmac-agent processes (the built binary, run through its #! line as it ships) for end-to-end tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUpAtExit } from './exit-cleanup.js';
import type { HostNamespace } from './netns.js';
import { spawnProcess, type ProcessHandle } from './processes.js';
import { testEnv } from './test-env.js';

/** The agent as it ships: the bundle `npm run build` writes (apps/agent/build.mjs). */
export const AGENT_BIN = fileURLToPath(new URL('../../dist/agent/tarmac-agent.mjs', import.meta.url));

export interface AgentOptions {
  server: string;
  token: string;
  hostname: string;
  datacenter: string;
  labels?: Record<string, string>;
  engineSocket?: string;
  /** More flags, as the agent takes them (e.g. `['--signal-interval', '1000']`). */
  extraArgs?: string[];
}

export interface RootAgentOptions extends AgentOptions {
  /** `--state-dir`. Default: agentStateDir(hostname), a temp dir of its own. */
  stateDir?: string;
  /** `--lb-port`. Default 0 (a free port): agents in one namespace share its ports. */
  lbPort?: number;
}

/**
 * Starts the built agent in this (the root) namespace. When the built agent has
 * --state-dir and --lb-port (281b038), each agent gets a state dir of its own and a
 * free LB port: their defaults (./.tarmac-agent, 9180) would be shared by every agent
 * of the test run, and a second agent would exit 1 on the taken port.
 */
export function startAgent(options: RootAgentOptions): ProcessHandle {
  const args = agentArgs(options);
  const supported = agentSupportedFlags();
  if (supported.has('state-dir')) args.push('--state-dir', options.stateDir ?? agentStateDir(options.hostname));
  if (supported.has('lb-port')) args.push('--lb-port', String(options.lbPort ?? 0));
  return spawnProcess(AGENT_BIN, args);
}

function agentArgs(options: AgentOptions): string[] {
  const args = [
    '--server', options.server,
    '--token', options.token,
    '--hostname', options.hostname,
    '--datacenter', options.datacenter,
    '--engine-socket', options.engineSocket ?? testEnv().engineSocket,
    '--log-level', 'debug',
  ];
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/** The load-balancer check port agents in namespaces get unless told otherwise: every
 * namespace has its own ports, so all of them can use the same one. */
export const NAMESPACE_AGENT_LB_PORT = 9180;

export interface NamespacedAgentOptions extends AgentOptions {
  /**
   * `--state-dir` (command journal, traffic state). Default: a temp dir per hostname,
   * made on first start and reused when the same hostname starts again in this
   * process (an agent restart keeps its journal; a later test reusing the hostname
   * gets it too, unless it calls removeAgentStateDirs() first); removed by
   * removeAgentStateDirs() or, at the latest, when the test process has exited.
   */
  stateDir?: string;
  /** `--container-network`. Default `ns:/run/netns/<namespace>`, so containers serve on the host's address. */
  containerNetwork?: string;
  /** `--lb-port`. Default NAMESPACE_AGENT_LB_PORT. */
  lbPort?: number;
  /**
   * What to do with the flags above when the built agent does not list them in its
   * `--help` (a dist/ built before the agent had them, 281b038; its flag parsing is
   * strict, so an unknown flag makes it exit 2). `require` (default): throw, naming
   * the missing flags. `omit`: leave them out and say so in `omittedFlags` (enough for tests that
   * only need an agent connected from a namespace; containers it deploys then get
   * the agent's default network).
   */
  unsupportedFlags?: 'require' | 'omit';
}

export interface NamespacedAgent extends ProcessHandle {
  readonly namespace: string;
  readonly stateDir: string;
  /** Flags left out because the built agent does not support them (see unsupportedFlags). */
  readonly omittedFlags: readonly string[];
}

const stateDirs = new Map<string, string>();

/** Removes the state dirs startAgentInNamespace made (not the ones passed to it). */
export function removeAgentStateDirs(): void {
  for (const dir of stateDirs.values()) rmSync(dir, { recursive: true, force: true });
  stateDirs.clear();
}

/** The state dir startAgentInNamespace uses by default for this hostname (made on first use). */
export function agentStateDir(hostname: string): string {
  let dir = stateDirs.get(hostname);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), `tarmac-agent-${hostname}-`));
    stateDirs.set(hostname, dir);
    cleanUpAtExit({ kind: 'dir', path: dir });
  }
  return dir;
}

let helpCache: { mtimeMs: number; flags: Set<string> } | undefined;

/** The long flags the built agent lists in `--help` (read again when dist/ is rebuilt). */
export function agentSupportedFlags(): Set<string> {
  const { mtimeMs } = statSync(AGENT_BIN);
  if (helpCache?.mtimeMs !== mtimeMs) {
    const help = execFileSync(process.execPath, [AGENT_BIN, '--help'], { encoding: 'utf8' });
    helpCache = { mtimeMs, flags: new Set([...help.matchAll(/^\s+--([a-z][a-z-]*)/gm)].map((match) => match[1]!)) };
  }
  return helpCache.flags;
}

/**
 * Starts the built agent as a process on the simulated host `ns`
 * (`ip netns exec <ns> dist/agent/tarmac-agent.mjs ...`). `server` must be
 * reachable from the namespace: use `cp.urlFor(ns)` of a control plane started with
 * `host: '0.0.0.0'`. The engine socket is a file, so it works from any namespace.
 */
export function startAgentInNamespace(ns: HostNamespace | string, options: NamespacedAgentOptions): NamespacedAgent {
  const name = typeof ns === 'string' ? ns : ns.name;
  const stateDir = options.stateDir ?? agentStateDir(options.hostname);
  const wanted: Array<[flag: string, value: string]> = [
    ['state-dir', stateDir],
    ['container-network', options.containerNetwork ?? `ns:/run/netns/${name}`],
    ['lb-port', String(options.lbPort ?? NAMESPACE_AGENT_LB_PORT)],
  ];
  const supported = agentSupportedFlags();
  const missing = wanted.filter(([flag]) => !supported.has(flag)).map(([flag]) => `--${flag}`);
  if (missing.length > 0 && (options.unsupportedFlags ?? 'require') === 'require') {
    throw new Error(
      `the built agent (${AGENT_BIN}) does not support ${missing.join(', ')} yet: rebuild with npm run build once ` +
        "the agent has them, or pass unsupportedFlags: 'omit' to start it without them",
    );
  }
  const args = agentArgs(options);
  for (const [flag, value] of wanted) if (supported.has(flag)) args.push(`--${flag}`, value);
  // From a namespace the control plane is at its gateway address, not loopback: plain
  // http there needs saying so. The tests' network is the machine's own veth pairs.
  if (options.server.startsWith('http:') && supported.has('insecure')) args.push('--insecure');
  const handle = spawnProcess('ip', ['netns', 'exec', name, AGENT_BIN, ...args]);
  return Object.defineProperties(handle, {
    namespace: { value: name, enumerable: true },
    stateDir: { value: stateDir, enumerable: true },
    omittedFlags: { value: missing, enumerable: true },
  }) as NamespacedAgent;
}
