// For agent tests: a CommandRunner over a real journal and traffic state in a temp state
// dir and the real engine, marking every container it creates as a test container.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandJournal } from '../command-journal.js';
import { CommandRunner } from '../command-runner.js';
import type { HostFacilities } from '../commands/execute.js';
import { DockerContainerEngine } from '../container-engine.js';
import { createLogger, type Logger } from '../logger.js';
import { TrafficState } from '../traffic-state.js';

export const TEST_CONTAINER_LABELS = { 'tarmac.test': 'true', 'tarmac.test.owner': String(process.pid) };

export function captureLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const sink = { write: (line: string) => logs.push(line) };
  return { logger: createLogger('debug', { stdout: sink, stderr: sink }), logs };
}

export async function testStateDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tarmac-agent-state-'));
}

export interface TestRunner {
  runner: CommandRunner;
  journal: CommandJournal;
  host: HostFacilities;
  stateDir: string;
  logs: string[];
  close(): Promise<void>;
}

/** Opens a runner on `stateDir` (a new temp dir when omitted); close() stops it but keeps the dir. */
export async function openTestRunner(engineSocket: string, hostname: string, stateDir?: string): Promise<TestRunner> {
  const dir = stateDir ?? (await testStateDir());
  const { logger, logs } = captureLogger();
  const journal = await CommandJournal.open(dir);
  const host: HostFacilities = {
    engine: new DockerContainerEngine(engineSocket),
    hostname,
    containerNetwork: 'host',
    keepStopped: 2,
    configRoot: join(dir, 'services'),
    extraLabels: TEST_CONTAINER_LABELS,
    traffic: await TrafficState.load(dir),
    logger,
  };
  const runner = new CommandRunner(journal, host, logger);
  return {
    runner,
    journal,
    host,
    stateDir: dir,
    logs,
    close: async () => {
      await runner.stop();
      await journal.close();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
