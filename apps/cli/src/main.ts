#!/usr/bin/env node
// tarmac: the process entry point. Everything testable lives in run-cli.ts; this file
// only binds it to argv, the environment, the terminal, signals and the exit code.
import { homedir } from 'node:os';
import { cliEnvironment } from './cli-config.js';
import type { Output } from './command.js';
import { runCli } from './run-cli.js';

const interrupted = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupted.abort(signal));

function output(stream: NodeJS.WriteStream): Output {
  return {
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns || 80;
    },
  };
}

runCli({
  argv: process.argv.slice(2),
  env: cliEnvironment(process.env, homedir()),
  stdout: output(process.stdout),
  stderr: output(process.stderr),
  signal: interrupted.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tarmac: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
