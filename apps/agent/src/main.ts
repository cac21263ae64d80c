#!/usr/bin/env -S node --no-expose-wasm --lite-mode
// tarmac-agent: the process entry point. Everything testable lives in run-agent.ts;
// this file only binds it to argv, the environment, signals and the exit code.
// V8's lite mode (no optimising compiler, no feedback vectors) keeps the agent about
// 6 MiB smaller; it waits on sockets and the engine, and a container replace still takes
// a few hundredths of a second of CPU (bench: agent-footprint). Lite mode has no
// WebAssembly (the flag says so up front rather than warn at every start), so the agent
// speaks HTTP through node:http: global fetch (undici) needs WebAssembly and would throw.
import { hostname } from 'node:os';
import { ExitCode, runAgent } from './run-agent.js';

const shutdown = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => shutdown.abort(signal));
}

runAgent({
  argv: process.argv.slice(2),
  env: process.env,
  defaultHostname: hostname(),
  shutdown: shutdown.signal,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => exit(code),
  (error: unknown) => {
    process.stderr.write(`tarmac-agent: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    exit(ExitCode.EngineUnreachable);
  },
);

// Let pending writes (the goodbye to the control plane, log lines) flush, then make sure
// a lingering handle (a keep-alive socket to the engine) cannot keep the process up.
function exit(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}
