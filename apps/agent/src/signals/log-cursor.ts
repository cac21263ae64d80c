// Where the agent is in a container's log, so each line counts once across reads. The
// engine is asked for lines `since` a whole second (the API's unit), so every read starts
// with lines already seen. Timestamps are not unique: Podman's Docker API prints them in
// whole seconds, so a burst shares one. The cursor is therefore the last timestamp seen
// and how many lines carried exactly that timestamp; a read skips that many again. Logs
// come back in order, which is what makes the count sound.

/** Nanoseconds since the epoch, from a log line's RFC 3339 timestamp. */
export type LogTime = bigint;

export interface LogCursor {
  at: LogTime;
  /** Lines stamped exactly `at` that were already read. */
  seenAt: number;
}

/** A cursor before every line stamped in the same second as `epochMs` or later. */
export function cursorAtSecond(epochMs: number): LogCursor {
  return { at: BigInt(Math.floor(epochMs / 1000)) * 1_000_000_000n, seenAt: 0 };
}

/** The `since` of the next read, in whole seconds (inclusive, so nothing is missed). */
export function sinceSeconds(cursor: LogCursor): number {
  return Number(cursor.at / 1_000_000_000n);
}

export type TimestampedLine = { at: LogTime; text: string };

// `2024-05-01T12:00:00Z`, `...00.123456789Z` (Docker trims trailing zeros), `...+02:00`.
const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

/** Splits `<timestamp> <text>` as the engine writes it with `timestamps: true`; undefined without one. */
export function splitTimestamp(line: string): TimestampedLine | undefined {
  const match = STAMP.exec(line);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return { at: BigInt(ms) * 1_000_000n + fraction, text: line.slice(match[0].length) };
}

/** Decides line by line, in log order, what is new since `cursor`, and moves the cursor on. */
export class LogCursorFilter {
  private skippedAt = 0;
  private current: LogCursor;

  constructor(private readonly start: LogCursor) {
    this.current = { ...start };
  }

  /** True when the line stamped `at` was not read before. Every line the caller consumes must pass through here. */
  accept(at: LogTime): boolean {
    if (at < this.start.at) return false;
    if (at === this.start.at && this.skippedAt < this.start.seenAt) {
      this.skippedAt++;
      return false;
    }
    if (at === this.current.at) this.current.seenAt++;
    else if (at > this.current.at) this.current = { at, seenAt: 1 };
    // A stamp earlier than the last accepted one (clock step back in the engine) is
    // accepted without moving the cursor back.
    return true;
  }

  get cursor(): LogCursor {
    return { ...this.current };
  }
}
