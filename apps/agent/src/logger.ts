// One line per event: `<ISO time> <level> <message> key=value ...`; error and warn go to
// stderr, info and debug to stdout. Levels below the configured one are dropped.
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export interface LogSink {
  stdout: { write(line: string): unknown };
  stderr: { write(line: string): unknown };
}

export function createLogger(level: LogLevel, sink: LogSink, now: () => Date = () => new Date()): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (at: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(at) > threshold) return;
    const line = `${now().toISOString()} ${at} ${message}${formatFields(fields)}\n`;
    (at === 'error' || at === 'warn' ? sink.stderr : sink.stdout).write(line);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${formatValue(value!)}`)
    .join('');
}

// Quote only what would break `key=value` splitting, so plain values stay greppable.
function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
