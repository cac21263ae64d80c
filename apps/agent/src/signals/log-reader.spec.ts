import { DEFAULT_SIGNAL_SOURCES } from '../../../../libs/protocol/src/index.js';
import { cursorAtSecond } from './log-cursor.js';
import { tallyLogLines } from './log-reader.js';

async function* lines(...items: string[]): AsyncIterable<string> {
  yield* items;
}

const access = (second: number, status: number, micros?: number) =>
  `2030-01-01T00:00:0${second}Z 10.0.0.1 - - [01/Jan/2030:00:00:0${second} +0000] "GET / HTTP/1.1" ${status} 3${micros === undefined ? '' : ` ${micros}`}`;
const start = cursorAtSecond(Date.parse('2030-01-01T00:00:00Z'));

describe('tallyLogLines', () => {
  it('counts access lines by status, latencies and error lines, and moves the cursor', async () => {
    const tally = await tallyLogLines(
      lines(access(1, 200, 1000), access(1, 200), access(2, 500, 3000), '2030-01-01T00:00:02Z ERROR boom', '2030-01-01T00:00:03Z started'),
      start,
      DEFAULT_SIGNAL_SOURCES,
    );
    expect(tally).toEqual({
      statusCounts: { '200': 2, '500': 1 },
      latencyMsSum: 4,
      latencyCount: 2,
      errorLines: 1,
      skippedLines: 0,
      unstampedLines: 0,
      cursor: { at: BigInt(Date.parse('2030-01-01T00:00:03Z')) * 1_000_000n, seenAt: 1 },
    });
  });

  it('parses up to the line limit and counts the rest as skipped, cursor past them all', async () => {
    const tally = await tallyLogLines(lines(access(1, 200), access(1, 201), access(2, 202), access(3, 203)), start, DEFAULT_SIGNAL_SOURCES, { maxLines: 2, maxBytes: 1e6 });
    expect(tally.statusCounts).toEqual({ '200': 1, '201': 1 });
    expect(tally.skippedLines).toBe(2);
    expect(tally.cursor.at).toBe(BigInt(Date.parse('2030-01-01T00:00:03Z')) * 1_000_000n);
  });

  it('stops parsing at the byte limit', async () => {
    const tally = await tallyLogLines(lines(access(1, 200), access(1, 201)), start, DEFAULT_SIGNAL_SOURCES, { maxLines: 100, maxBytes: 10 });
    expect(tally).toMatchObject({ statusCounts: { '200': 1 }, skippedLines: 1 });
  });

  it('ignores lines already read and lines without a timestamp', async () => {
    const first = await tallyLogLines(lines(access(1, 200), access(1, 200)), start, DEFAULT_SIGNAL_SOURCES);
    const second = await tallyLogLines(lines(access(1, 200), access(1, 200), access(1, 404), 'no stamp ERROR'), first.cursor, DEFAULT_SIGNAL_SOURCES);
    expect(second).toMatchObject({ statusCounts: { '404': 1 }, errorLines: 0, unstampedLines: 1 });
  });

  it('keeps at most 100 distinct status codes', async () => {
    const many = Array.from({ length: 150 }, (_, i) => access(1, 200 + i));
    const tally = await tallyLogLines(lines(...many), start, DEFAULT_SIGNAL_SOURCES);
    expect(Object.keys(tally.statusCounts)).toHaveLength(100);
  });
});
