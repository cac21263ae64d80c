// The agent's life from flags to exit code: configure, check the engine, connect, and
// run until told to stop or refused for good. main.ts wires it to the process.
import { resolve } from 'node:path';
import { CommandJournal } from './command-journal.js';
import { CommandRunner } from './command-runner.js';
import { ConfigError, loadConfig, USAGE, type AgentConfig } from './config.js';
import { AgentConnection, type AgentConnectionOptions } from './connection.js';
import { DockerContainerEngine } from './container-engine.js';
import { DockerEngine } from './engine.js';
import { startLbServer, type LbServer } from './lb-server.js';
import type { Logger } from './logger.js';
import { SignalCollector } from './signals/signal-collector.js';
import { TrafficState } from './traffic-state.js';
import { createLogger, type LogSink } from './logger.js';
import { readAgentVersion } from './agent-version.js';
import { pinnedServerIdentity } from './server-pin.js';

export const ExitCode = {
  /** Stopped on request (SIGTERM/SIGINT), or --help. */
  Stopped: 0,
  /** The container engine did not answer at start, the state dir or the LB port is unusable (also: an unexpected error). */
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

  let local: LocalState;
  try {
    local = await openLocalState(config, logger);
  } catch (error) {
    fail((error as Error).message);
    return ExitCode.EngineUnreachable;
  }
  const { journal, lb, runner } = local;

  return new Promise<number>((resolve) => {
    // Samples go out only while registered; the connection drops them otherwise.
    const signals = new SignalCollector({
      engine: new DockerContainerEngine(config.engineSocket),
      hostname: config.hostname,
      intervalMs: config.signalIntervalMs,
      deliver: (sample) => connection.sendSignals(sample),
      logger,
    });
    const release = async () => {
      await Promise.all([signals.stop(), runner.stop()]);
      await Promise.all([lb.close(), journal.close()]);
    };
    const connection = new AgentConnection({
      ...options.tuning,
      serverUrl: config.serverUrl,
      tls: {
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        ...(config.serverFingerprint !== undefined && { checkServerIdentity: pinnedServerIdentity(config.serverFingerprint) }),
      },
      token: config.token,
      host: { hostname: config.hostname, datacenter: config.datacenter, labels: config.labels, agentVersion },
      engine,
      engineIdentity,
      commands: runner,
      logger,
      onFatalRefusal: (refusal) => {
        options.shutdown.removeEventListener('abort', onShutdown);
        fail(`refused by control plane: ${refusal.code}: ${refusal.message}`);
        void release().then(() => resolve(ExitCode.Refused));
      },
    });
    const onShutdown = () => {
      connection.stop();
      void release().then(() => {
        logger.info('stopped');
        resolve(ExitCode.Stopped);
      });
    };
    options.shutdown.addEventListener('abort', onShutdown, { once: true });
    connection.start();
    signals.start();
  });
}

interface LocalState {
  journal: CommandJournal;
  lb: LbServer;
  runner: CommandRunner;
}

/** The journal, the traffic state and its endpoint, and the runner over them; the message names what failed. */
async function openLocalState(config: AgentConfig, logger: Logger): Promise<LocalState> {
  let journal: CommandJournal;
  let traffic: TrafficState;
  try {
    journal = await CommandJournal.open(config.stateDir);
    traffic = await TrafficState.load(config.stateDir);
  } catch (error) {
    throw new Error(`cannot use the state dir ${config.stateDir}: ${(error as Error).message}`);
  }
  if (journal.skippedLines > 0) logger.warn('unreadable journal lines skipped', { path: journal.path, lines: journal.skippedLines });
  let lb: LbServer;
  try {
    lb = await startLbServer(traffic, config.lbHost, config.lbPort);
  } catch (error) {
    await journal.close();
    throw new Error(`cannot serve the load balancer endpoint on ${config.lbHost}:${config.lbPort}: ${(error as Error).message}`);
  }
  logger.info('load balancer endpoint listening', { address: `${config.lbHost}:${lb.port}`, lastCommandSeq: journal.lastCommandSeq });
  const runner = new CommandRunner(
    journal,
    {
      engine: new DockerContainerEngine(config.engineSocket),
      hostname: config.hostname,
      containerNetwork: config.containerNetwork,
      keepStopped: config.keepStopped,
      // Absolute: it is the source of a bind mount the engine resolves, not the agent.
      configRoot: config.configDir ?? resolve(config.stateDir, 'services'),
      traffic,
      trafficHook: config.trafficHook,
      logger,
    },
    logger,
  );
  return { journal, lb, runner };
}
