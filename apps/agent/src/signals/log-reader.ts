// Reads one container's log lines since its cursor and tallies them: access lines by
// status with their latencies, error lines. Bounded: past `maxLines` or `maxBytes` in one
// read, lines are only counted as skipped (the cursor still moves over them, so a
// container that floods its log costs the agent reading time, never memory, and never
// makes it fall behind).
import type { SignalSources } from '../../../../libs/protocol/src/index.js';
import { classifyLogLine } from './log-line.js';
import { LogCursorFilter, splitTimestamp, type LogCursor } from './log-cursor.js';

export interface LogLimits {
  maxLines: number;
  maxBytes: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLines: 10_000, maxBytes: 1024 * 1024 };
/** Longer lines are cut here before parsing (an access line is far shorter). */
export const MAX_LINE_BYTES = 16 * 1024;
/** The protocol's bound on distinct status codes per container sample. */
const MAX_STATUS_CODES = 100;

export interface LogTally {
  statusCounts: Record<string, number>;
  latencyMsSum: number;
  latencyCount: number;
  errorLines: number;
  /** New lines read past the limits, not parsed. */
  skippedLines: number;
  /** Lines without the engine's timestamp, which the cursor cannot place: ignored. */
  unstampedLines: number;
  cursor: LogCursor;
}

export async function tallyLogLines(lines: AsyncIterable<string>, cursor: LogCursor, sources: SignalSources, limits: LogLimits = DEFAULT_LOG_LIMITS): Promise<LogTally> {
  const filter = new LogCursorFilter(cursor);
  const tally: Omit<LogTally, 'cursor'> = { statusCounts: {}, latencyMsSum: 0, latencyCount: 0, errorLines: 0, skippedLines: 0, unstampedLines: 0 };
  let parsedLines = 0;
  let parsedBytes = 0;
  for await (const raw of lines) {
    const line = splitTimestamp(raw);
    if (!line) {
      tally.unstampedLines++;
      continue;
    }
    if (!filter.accept(line.at)) continue;
    if (parsedLines >= limits.maxLines || parsedBytes >= limits.maxBytes) {
      tally.skippedLines++;
      continue;
    }
    parsedLines++;
    parsedBytes += Buffer.byteLength(raw) + 1;
    const seen = classifyLogLine(line.text, sources);
    if (seen.kind === 'error') tally.errorLines++;
    if (seen.kind !== 'access') continue;
    const key = String(seen.status);
    if (key in tally.statusCounts || Object.keys(tally.statusCounts).length < MAX_STATUS_CODES) {
      tally.statusCounts[key] = (tally.statusCounts[key] ?? 0) + 1;
    }
    if (seen.latencyMs !== undefined) {
      tally.latencyMsSum += seen.latencyMs;
      tally.latencyCount++;
    }
  }
  return { ...tally, cursor: filter.cursor };
}
