// The agent's life from flags to exit code: configure, check the engine, connect, and
// run until told to stop or refused for good. main.ts wires it to the process.
import { ConfigError, loadConfig, USAGE } from './config.js';
import { AgentConnection, type AgentConnectionOptions } from './connection.js';
import { DockerEngine } from './engine.js';
import { createLogger, type LogSink } from './logger.js';
import { readAgentVersion } from './agent-version.js';

export const ExitCode = {
  /** Stopped on request (SIGTERM/SIGINT), or --help. */
  Stopped: 0,
  /** The container engine did not answer at start (also: an unexpected error). */
  EngineUnreachable: 1,
  ConfigInvalid: 2,
  /** The control plane refused the agent with a code retrying cannot fix. */
  Refused: 3,
} as const;

export interface RunAgentOptions extends LogSink {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  defaultHostname: string;
  /** Aborting it disconnects cleanly and resolves with ExitCode.Stopped. */
  shutdown: AbortSignal;
  /** Retry and timeout knobs, for tests. */
  tuning?: Pick<AgentConnectionOptions, 'retry' | 'random' | 'ackTimeoutMs'>;
}

export async function runAgent(options: RunAgentOptions): Promise<number> {
  const fail = (line: string) => options.stderr.write(`tarmac-agent: ${line}\n`);

  let loaded;
  try {
    loaded = loadConfig(options.argv, options.env, { hostname: options.defaultHostname });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    error.problems.forEach(fail);
    fail('run tarmac-agent --help for the options');
    return ExitCode.ConfigInvalid;
  }
  if (loaded.kind === 'help') {
    options.stdout.write(USAGE);
    return ExitCode.Stopped;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel, options);
  const agentVersion = readAgentVersion();

  const engine = new DockerEngine(config.engineSocket);
  let engineIdentity;
  try {
    await engine.ping();
    engineIdentity = await engine.identity();
  } catch (error) {
    fail(`cannot reach the container engine at ${config.engineSocket}: ${(error as Error).message}`);
    return ExitCode.EngineUnreachable;
  }
  logger.info('starting', {
    agentVersion,
    hostname: config.hostname,
    datacenter: config.datacenter,
    engine: `${engineIdentity.name} ${engineIdentity.version}`,
    engineApi: engineIdentity.apiVersion,
  });
  if (options.shutdown.aborted) return ExitCode.Stopped;

  return new Promise<number>((resolve) => {
    const connection = new AgentConnection({
      ...options.tuning,
      serverUrl: config.serverUrl,
      token: config.token,
      host: { hostname: config.hostname, datacenter: config.datacenter, labels: config.labels, agentVersion },
      engine,
      engineIdentity,
      logger,
      onFatalRefusal: (refusal) => {
        options.shutdown.removeEventListener('abort', onShutdown);
        fail(`refused by control plane: ${refusal.code}: ${refusal.message}`);
        resolve(ExitCode.Refused);
      },
    });
    const onShutdown = () => {
      connection.stop();
      logger.info('stopped');
      resolve(ExitCode.Stopped);
    };
    options.shutdown.addEventListener('abort', onShutdown, { once: true });
    connection.start();
  });
}
