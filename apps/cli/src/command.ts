// What a tarmac command is: its words, its flags and positionals, and what it runs.
// Each commands/*.ts file declares the commands of one noun; run-cli.ts dispatches.
import type { ApiClient } from './api-client.js';
import type { CliEnvironment } from './cli-config.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** For usage: what the value is, e.g. `FILE`. */
  value?: string;
  description: string;
  /** The command cannot run without it (a usage error otherwise). */
  required?: boolean;
}

export interface Output {
  /** Writes text as-is (callers end lines themselves). */
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width in columns, when stdout is one. */
  readonly columns: number;
}

export interface CommandContext {
  /** The command's words, for messages: `plan create`. */
  command: string;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  json: boolean;
  stdout: Output;
  stderr: Output;
  env: CliEnvironment;
  flags: { server?: string; token?: string; insecure?: boolean };
  /** The API client for the resolved server and token; a usage error when they are missing. */
  api(): Promise<ApiClient>;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop and clean up. */
  signal: AbortSignal;
}

export interface Command {
  /** The command's words, e.g. `['plan', 'create']`. */
  words: string[];
  /** Arguments after the words, for usage: `ID`, `PLAN GATE`. */
  args?: string;
  /** Exact number of positionals after the words. */
  positionals: number;
  options?: Record<string, OptionSpec>;
  summary: string;
  /** A read command: prints a table, or the API's JSON with --json. */
  read?: boolean;
  /** Resolves with the exit code. */
  run(context: CommandContext): Promise<number>;
}

export function printJson(output: Output, value: unknown): void {
  output.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns, two spaces apart; an empty list prints its message instead. */
export function printTable(output: Output, headers: string[], rows: string[][], empty = '(none)'): void {
  if (rows.length === 0) {
    output.write(`${empty}\n`);
    return;
  }
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  output.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`);
}

export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  return typeof value === 'string' ? value : undefined;
}
