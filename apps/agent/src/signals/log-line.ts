// What one container log line says about the service: an access-log line (its status and,
// when the line carries it, the request's latency), an error line, or nothing. Pure, and
// safe on hostile input: the formats and error patterns come over the wire, so patterns
// are plain substrings (never regexes) and the regexes here cannot backtrack.
import type { SignalSources } from '../../../../libs/protocol/src/index.js';

export type LogLine = { kind: 'access'; status: number; latencyMs?: number } | { kind: 'error' } | { kind: 'other' };

export function classifyLogLine(line: string, sources: SignalSources): LogLine {
  const access = parseAccessLine(line, sources);
  if (access) return access;
  return sources.errorPatterns.some((pattern) => line.includes(pattern)) ? { kind: 'error' } : { kind: 'other' };
}

function parseAccessLine(line: string, sources: SignalSources): LogLine | undefined {
  switch (sources.accessLog) {
    case 'common':
      return parseCommonLine(line);
    case 'json':
      return parseJsonLine(line, sources.jsonStatusField, sources.jsonLatencyField);
    case 'none':
      return undefined;
  }
}

// `host ident user [date] "request" status bytes`, then what Combined and custom formats
// add. Every group is delimited by what the next one cannot contain, so no backtracking.
const COMMON = /^\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" (\d{3}) (?:\d+|-)((?: .*)?)$/;
// After the bytes: quoted fields (Combined: referer, user agent), then optionally the
// request time in microseconds (Apache `%D`) as the last field.
const TRAILER = /^(?: +"(?:[^"\\]|\\.)*")* +(\d{1,15}) *$/;

/** Common or Combined Log Format, with an optional trailing `%D` (microseconds). */
export function parseCommonLine(line: string): LogLine | undefined {
  const match = COMMON.exec(line.trimEnd());
  if (!match) return undefined;
  const status = Number(match[1]);
  if (!isHttpStatus(status)) return undefined;
  const micros = TRAILER.exec(match[2]!)?.[1];
  return micros === undefined ? { kind: 'access', status } : { kind: 'access', status, latencyMs: Number(micros) / 1000 };
}

/** One JSON object per line: `statusField` is a number or a numeric string; `latencyField` is in milliseconds. */
export function parseJsonLine(line: string, statusField: string, latencyField: string): LogLine | undefined {
  const text = line.trim();
  if (!text.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  // Own properties only: a field named like an Object.prototype member must not match.
  const field = (name: string) => (Object.hasOwn(record, name) ? numeric(record[name]) : undefined);
  const status = field(statusField);
  if (status === undefined || !isHttpStatus(status)) return undefined;
  const latencyMs = field(latencyField);
  return latencyMs === undefined || latencyMs < 0 ? { kind: 'access', status } : { kind: 'access', status, latencyMs };
}

function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\d{1,15}(\.\d{1,9})?$/.test(value)) return Number(value);
  return undefined;
}

function isHttpStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 100 && status <= 599;
}
