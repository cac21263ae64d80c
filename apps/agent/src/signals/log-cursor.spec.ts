import { cursorAtSecond, LogCursorFilter, sinceSeconds, splitTimestamp } from './log-cursor.js';

const ns = (iso: string, fraction = 0n) => BigInt(Date.parse(iso)) * 1_000_000n + fraction;

describe('splitTimestamp', () => {
  it.each([
    ['Podman, whole seconds', '2026-11-28T00:22:38Z hello', ns('2026-11-28T00:22:38Z'), 'hello'],
    ['Docker, nanoseconds', '2026-11-28T00:22:38.123456789Z a b', ns('2026-11-28T00:22:38Z', 123_456_789n), 'a b'],
    ['trailing zeros trimmed', '2026-11-28T00:22:38.5Z x', ns('2026-11-28T00:22:38Z', 500_000_000n), 'x'],
    ['an offset', '2026-11-28T02:22:38.000000001+02:00 x', ns('2026-11-28T00:22:38Z', 1n), 'x'],
    ['empty text', '2026-11-28T00:22:38Z ', ns('2026-11-28T00:22:38Z'), ''],
  ])('%s', (_name, line, at, text) => {
    expect(splitTimestamp(line)).toEqual({ at, text });
  });

  it.each(['hello', '2026-11-28 00:22:38 x', '2026-11-28T00:22:38Zx', '2026-13-45T00:22:38Z x'])('refuses %j', (line) => {
    expect(splitTimestamp(line)).toBeUndefined();
  });
});

describe('LogCursorFilter', () => {
  const t = (second: number, fraction = 0n) => ns('2026-11-28T00:00:00Z') + BigInt(second) * 1_000_000_000n + fraction;

  /** Runs one read: the engine returns every line from the cursor's second on. */
  function read(log: bigint[], cursor: ReturnType<typeof cursorAtSecond>) {
    const since = BigInt(sinceSeconds(cursor)) * 1_000_000_000n;
    const filter = new LogCursorFilter(cursor);
    const accepted = log.filter((at) => at >= since).filter((at) => filter.accept(at));
    return { accepted, cursor: filter.cursor };
  }

  it('counts every line once across reads when timestamps repeat (whole seconds)', () => {
    const log = [t(1), t(1), t(2)];
    const first = read(log, cursorAtSecond(Number(t(0) / 1_000_000n)));
    expect(first.accepted).toEqual([t(1), t(1), t(2)]);
    expect(first.cursor).toEqual({ at: t(2), seenAt: 1 });

    log.push(t(2), t(2), t(3));
    const second = read(log, first.cursor);
    expect(second.accepted).toEqual([t(2), t(2), t(3)]);
    expect(second.cursor).toEqual({ at: t(3), seenAt: 1 });

    expect(read(log, second.cursor).accepted).toEqual([]);
  });

  it('skips nothing new with nanosecond timestamps in the same second', () => {
    const log = [t(5, 1n), t(5, 2n)];
    const first = read(log, cursorAtSecond(Number(t(5) / 1_000_000n)));
    expect(first.accepted).toHaveLength(2);
    log.push(t(5, 3n));
    expect(read(log, first.cursor).accepted).toEqual([t(5, 3n)]);
  });

  it('starts at the beginning of the second it is given', () => {
    const cursor = cursorAtSecond(Number(t(7) / 1_000_000n) + 900);
    expect(read([t(6), t(7), t(7, 5n)], cursor).accepted).toEqual([t(7), t(7, 5n)]);
  });

  it('accepts a stamp that went back without moving the cursor back', () => {
    const filter = new LogCursorFilter({ at: t(1), seenAt: 0 });
    expect([t(3), t(2), t(3)].map((at) => filter.accept(at))).toEqual([true, true, true]);
    expect(filter.cursor).toEqual({ at: t(3), seenAt: 2 });
  });
});
