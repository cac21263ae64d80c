// `npm run bench -- <scenario> [--agents N] [--workers W] [--out DIR] [scenario flags]`:
// runs one benchmark scenario against the real control plane (the built
// dist/apps/control-plane/src/main.js) on a fresh PostgreSQL database, prints a
// markdown table and writes the JSON report to bench/results/ (or --out).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, toMarkdown, writeReport, type BenchReport } from './harness/report.js';
import { agentFootprint } from './scenarios/agent-footprint.js';
import { connectStorm } from './scenarios/connect-storm.js';
import { fanOut } from './scenarios/fan-out.js';
import { liveStatus } from './scenarios/live-status.js';
import { orchestration } from './scenarios/orchestration.js';
import { requestBounds } from './scenarios/request-bounds.js';
import type { Scenario } from './scenarios/scenario.js';

const SCENARIOS: Scenario[] = [connectStorm, fanOut, orchestration, liveStatus, agentFootprint, requestBounds];
const DEFAULT_OUT = fileURLToPath(new URL('../../bench/results', import.meta.url));

function usage(): string {
  return [
    'usage: npm run bench -- <scenario> [--agents N] [--workers 1-4] [--out DIR] [flags]',
    '',
    'scenarios:',
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.summary}`),
    '',
    'Needs `npm run build` (npm run bench does it) and PostgreSQL: TARMAC_TEST_DATABASE_URL (or',
    'TARMAC_BENCH_DATABASE_URL) as printed by `eval "$(scripts/test-services.sh start)"`; without one an',
    'embedded PostgreSQL is started. agent-footprint also needs TARMAC_TEST_ENGINE_SOCKET and the test images.',
  ].join('\n');
}

function parse(argv: string[]): { scenario?: string; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  let scenario: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) flags[name] = inline;
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags[name] = argv[++i]!;
      else flags[name] = 'true';
    } else if (!scenario) scenario = arg;
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  return { scenario, flags };
}

function nofileLimit(): string {
  try {
    return execFileSync('sh', ['-c', 'echo "$(ulimit -Sn)/$(ulimit -Hn)"'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { scenario: name, flags } = parse(process.argv.slice(2));
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario || flags.help) {
    process.stderr.write(`${name && !scenario ? `unknown scenario ${JSON.stringify(name)}\n\n` : ''}${usage()}\n`);
    return name && !scenario ? 2 : flags.help ? 0 : 2;
  }
  const { agents: agentsFlag, workers: workersFlag, out, ...rest } = flags;
  const agents = agentsFlag === undefined ? undefined : Number(agentsFlag);
  if (agents !== undefined && (!Number.isInteger(agents) || agents < 1)) throw new Error('--agents must be a positive integer');
  const workers = workersFlag === undefined ? 4 : Number(workersFlag);
  if (!Number.isInteger(workers) || workers < 1 || workers > 4) throw new Error('--workers must be 1 to 4');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = new Date();
  const result = await scenario.run({ agents, workers, flags: rest, log });
  const report: BenchReport = {
    ...result,
    startedAt: started.toISOString(),
    durationSeconds: (Date.now() - started.getTime()) / 1000,
    machine: machine(nofileLimit()),
  };
  process.stdout.write(`${toMarkdown(report)}\n`);
  const file = await writeReport(out ?? DEFAULT_OUT, report);
  log(`\nJSON: ${file}`);
  return 0;
}

// Ctrl-C or kill: exit through process.exit so that 'exit' handlers stop the control plane.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
