// Real tarmac-agent processes (the built binary) for end-to-end tests.
import { fileURLToPath } from 'node:url';
import { spawnProcess, type ProcessHandle } from './processes.js';
import { testEnv } from './test-env.js';

export const AGENT_BIN = fileURLToPath(new URL('../../dist/apps/agent/src/main.js', import.meta.url));

export interface AgentOptions {
  server: string;
  token: string;
  hostname: string;
  datacenter: string;
  labels?: Record<string, string>;
  engineSocket?: string;
}

export function startAgent(options: AgentOptions): ProcessHandle {
  const args = [
    AGENT_BIN,
    '--server', options.server,
    '--token', options.token,
    '--hostname', options.hostname,
    '--datacenter', options.datacenter,
    '--engine-socket', options.engineSocket ?? testEnv().engineSocket,
    '--log-level', 'debug',
  ];
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
  return spawnProcess(process.execPath, args);
}
