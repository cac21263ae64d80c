// The tarmac command line: finds the command in argv, parses its flags, runs it, and
// turns what went wrong into a line on stderr and an exit code (1: the API or the
// rollout said no; 2: the command line did). Everything outside is passed in.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ApiClient } from './api-client.js';
import { readConfigFile, resolveConnection, type CliEnvironment } from './cli-config.js';
import { describeError, ExitCode, exitCodeOf, UsageError } from './cli-errors.js';
import type { Command, CommandContext, OptionSpec, Output } from './command.js';
import { fleetCommands } from './commands/fleet.commands.js';
import { planCommands } from './commands/plan.commands.js';
import { rolloutCommands } from './commands/rollout.commands.js';
import { trafficCommands } from './commands/traffic.commands.js';

export const COMMANDS: Command[] = [...fleetCommands, ...planCommands, ...rolloutCommands, ...trafficCommands];

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  server: { type: 'string', value: 'URL', description: 'control plane URL (else TARMAC_SERVER, else the config file)' },
  token: { type: 'string', value: 'TOKEN', description: 'API token (else TARMAC_TOKEN, else the config file)' },
  insecure: { type: 'boolean', description: 'allow plain http:// to a server not on loopback (else TARMAC_INSECURE=1)' },
  json: { type: 'boolean', description: "print the API's JSON" },
  help: { type: 'boolean', short: 'h', description: 'this help' },
};

export interface CliIo {
  argv: string[];
  env: CliEnvironment;
  stdout: Output;
  stderr: Output;
  signal: AbortSignal;
}

type ParseOptions = NonNullable<ParseArgsConfig['options']>;

function toParseOptions(options: Record<string, OptionSpec>): ParseOptions {
  return Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, spec.short ? { type: spec.type, short: spec.short } : { type: spec.type }]));
}

function usageOf(command: Command): string {
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => {
    const flag = spec.short ? `-${spec.short}` : `--${name}`;
    const text = `${flag}${spec.value ? ` ${spec.value}` : ''}`;
    return spec.required ? text : `[${text}]`;
  });
  return ['tarmac', ...command.words, ...(command.args ? [command.args] : []), ...options, ...(command.read ? ['[--json]'] : [])].join(' ');
}

export function helpText(): string {
  return [
    'usage: tarmac COMMAND [flags]',
    '',
    ...COMMANDS.flatMap((c) => [`  ${usageOf(c)}`, `      ${c.summary}`]),
    '',
    'flags for every command:',
    ...Object.entries(GLOBAL_OPTIONS).map(([name, spec]) => `  --${name}${spec.value ? ` ${spec.value}` : ''}`.padEnd(18) + spec.description),
    '',
    'exit codes: 0 ok; 1 the API refused, the server is unreachable, or a watched rollout did not succeed; 2 usage',
    '',
  ].join('\n');
}

/** The command whose words start the positionals, longest first (so `plan show` wins over `plan`). */
function findCommand(positionals: string[]): Command | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((command) => command.words.every((word, i) => positionals[i] === word));
}

export async function runCli(io: CliIo): Promise<number> {
  try {
    return await dispatch(io);
  } catch (error) {
    io.stderr.write(`${describeError(error)}${error instanceof UsageError ? ' (tarmac --help)' : ''}\n`);
    return exitCodeOf(error);
  }
}

async function dispatch(io: CliIo): Promise<number> {
  // First pass, lenient: find the command words wherever global flags sit.
  const every = { ...GLOBAL_OPTIONS, ...Object.assign({}, ...COMMANDS.map((c) => c.options ?? {})) } as Record<string, OptionSpec>;
  const loose = parseArgs({ args: io.argv, options: toParseOptions(every), strict: false, allowPositionals: true });
  const command = findCommand(loose.positionals);
  if (!command) {
    if (loose.values.help || loose.positionals[0] === 'help') {
      io.stdout.write(helpText());
      return ExitCode.Ok;
    }
    const given = loose.positionals.slice(0, 2).join(' ');
    throw new UsageError(given ? `unknown command: ${given}` : 'no command given');
  }

  const name = command.words.join(' ');
  let parsed;
  try {
    parsed = parseArgs({ args: io.argv, options: toParseOptions({ ...GLOBAL_OPTIONS, ...command.options }), strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed.values.help) {
    io.stdout.write(`usage: ${usageOf(command)}\n  ${command.summary}\n`);
    for (const [option, spec] of Object.entries(command.options ?? {})) io.stdout.write(`  ${spec.short ? `-${spec.short}, ` : ''}--${option}  ${spec.description}\n`);
    return ExitCode.Ok;
  }
  const positionals = parsed.positionals.slice(command.words.length);
  if (positionals.length !== command.positionals) {
    throw new UsageError(`wrong arguments; usage: ${usageOf(command)}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const missing = Object.entries(command.options ?? {}).find(([option, spec]) => spec.required && values[option] === undefined);
  if (missing) throw new UsageError(`${name} needs ${missing[1].short ? `-${missing[1].short}` : `--${missing[0]}`} ${missing[1].value ?? ''}`.trimEnd());
  const flags = { server: values.server as string | undefined, token: values.token as string | undefined, insecure: values.insecure === true };
  const context: CommandContext = {
    command: name,
    positionals,
    values,
    json: values.json === true,
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    flags,
    signal: io.signal,
    api: async () => new ApiClient(resolveConnection(flags, io.env, await readConfigFile(io.env.configPath))),
  };
  return command.run(context);
}
