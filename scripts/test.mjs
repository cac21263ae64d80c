#!/usr/bin/env node
// `npm test`: build and typecheck, make sure the real test services run, run jest, clean up.
//
//   npm test                      # every tier
//   npm test -- test/support -t x # arguments go to jest
//
// When TARMAC_TEST_DATABASE_URL and TARMAC_TEST_ENGINE_SOCKET are both set (CI
// evals `scripts/test-services.sh start` itself), the services are the caller's
// business. Otherwise this starts them and stops them afterwards, unless they
// were already running before (a developer's long-lived services stay up).
// Exit code: jest's (or the build's, if the build fails).
import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const services = join(root, 'scripts', 'test-services.sh');
const jestArgs = process.argv.slice(2);

/** Runs a command to completion with inherited stdio; returns its exit code. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? exitCodeOf(result.signal);
}

/** A shell's exit code for a process killed by a signal. */
function exitCodeOf(signal) {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Reads `export NAME='value'` lines as written by test-services.sh. */
function parseExports(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!match) continue;
    // Single-quoted segments, with a literal quote written as '\''.
    env[match[1]] = match[2].replace(/'\\''/g, '\u0000').replace(/'/g, '').replace(/\u0000/g, "'");
  }
  return env;
}

function startServices() {
  const result = spawnSync('bash', [services, 'start'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`test: scripts/test-services.sh start failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
  return parseExports(result.stdout.toString());
}

function servicesRunning() {
  return spawnSync('bash', [services, 'status'], { cwd: root, stdio: 'ignore' }).status === 0;
}

// The build feeds the end-to-end tests (they spawn dist/); the typecheck covers the
// specs too, which jest only transpiles.
for (const script of ['build', 'typecheck']) {
  const code = run('npm', ['run', script]);
  if (code !== 0) {
    console.error(`test: npm run ${script} failed (exit ${code})`);
    process.exit(code);
  }
}

let env = process.env;
let stopAfter = false;
if (!(process.env.TARMAC_TEST_DATABASE_URL && process.env.TARMAC_TEST_ENGINE_SOCKET)) {
  stopAfter = !servicesRunning();
  env = { ...process.env, ...startServices() };
}

let stopped = false;
function stopServices() {
  if (!stopAfter || stopped) return;
  stopped = true;
  run('bash', [services, 'stop'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

const jest = spawn('npm', ['run', 'test:jest', '--', ...jestArgs], { cwd: root, stdio: 'inherit', env });

// Ctrl-C reaches jest through the terminal's process group; a signal sent to
// this process alone is passed on. Either way we wait for jest to exit, then clean up.
let signalled;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    signalled = signal;
    jest.kill(signal);
  });
}

jest.on('error', (error) => {
  console.error(`test: could not run jest: ${error.message}`);
  stopServices();
  process.exit(1);
});

jest.on('close', (code, signal) => {
  stopServices();
  if (signalled) process.exit(exitCodeOf(signalled));
  process.exit(code ?? exitCodeOf(signal));
});

