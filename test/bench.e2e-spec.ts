// The benchmark scenarios at a tiny N, through the same command `npm run bench` runs
// (dist/bench/cli.js): each must finish and produce a well-formed table and JSON report.
// No timing is asserted: these machines measure nothing reliably under a test suite.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testEnv } from './support/test-env.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist/bench/cli.js');

const SMOKE: [scenario: string, args: string[]][] = [
  ['connect-storm', ['--agents', '6', '--workers', '2', '--hold', '1']],
  ['fan-out', ['--agents', '6', '--workers', '2']],
  ['orchestration', ['--agents', '10', '--workers', '2', '--step-ms', '50']],
  ['live-status', ['--agents', '4', '--workers', '1', '--subscribers', '3', '--dashboard-workers', '1', '--measure', '1', '--heartbeat-ms', '500']],
  ['agent-footprint', ['--idle', '1']],
];

describe('benchmarks (smoke, tiny N)', () => {
  let out: string;

  beforeAll(async () => {
    testEnv(); // the bench needs the test services; fail with their message if missing
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'bench/tsconfig.json')], { cwd: ROOT });
    out = await mkdtemp(join(tmpdir(), 'tarmac-bench-smoke-'));
  }, 120_000);
  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it.each(SMOKE)('%s prints a markdown table and writes its JSON report', async (scenario, args) => {
    const dir = join(out, scenario);
    const { stdout } = await run(process.execPath, [CLI, scenario, ...args, '--out', dir], { cwd: ROOT, env: process.env, maxBuffer: 16 * 2 ** 20 });

    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^## /);
    const header = lines.indexOf('| metric | value | target | met |');
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toBe('| --- | --- | --- | --- |');
    const rows = lines.slice(header + 2).filter((line) => line.startsWith('|'));
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.split('|')).toHaveLength(6);

    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const report = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
    expect(report).toMatchObject({
      scenario,
      title: expect.any(String),
      parameters: expect.any(Object),
      standIns: expect.any(Array),
      notes: expect.any(Array),
      startedAt: expect.any(String),
      durationSeconds: expect.any(Number),
      machine: expect.objectContaining({ cpus: expect.any(Number) }),
    });
    expect(report.rows).toHaveLength(rows.length);
    for (const row of report.rows) {
      expect(typeof row.metric).toBe('string');
      expect(['number', 'string']).toContain(typeof row.value);
      if (row.met !== undefined) expect(typeof row.met).toBe('boolean');
    }
  }, 240_000);
});
