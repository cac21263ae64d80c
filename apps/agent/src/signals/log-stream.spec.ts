import { LogLineSplitter } from './log-stream.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

function feed(splitter: LogLineSplitter, body: Buffer, chunkSize: number): string[] {
  const lines: string[] = [];
  for (let at = 0; at < body.length; at += chunkSize) lines.push(...splitter.push(body.subarray(at, at + chunkSize)));
  return [...lines, ...splitter.end()];
}

describe('LogLineSplitter', () => {
  const body = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err one\nerr two\n'), frame(1, 'out '), frame(2, 'err three\n'), frame(1, 'two\n')]);

  it.each([1, 3, 8, 9, 1000])('demultiplexes frames cut into %i-byte chunks', (chunkSize) => {
    expect(feed(new LogLineSplitter({ tty: false, maxLineBytes: 1000 }), body, chunkSize)).toEqual(['out one', 'err one', 'err two', 'err three', 'out two']);
  });

  it('reads a TTY body as raw lines, dropping the \\r of \\r\\n', () => {
    expect(feed(new LogLineSplitter({ tty: true, maxLineBytes: 1000 }), Buffer.from('tick\r\ntock\r\nlast'), 5)).toEqual(['tick', 'tock', 'last']);
  });

  it('cuts a long line and drops the rest of it', () => {
    const long = Buffer.concat([frame(1, `${'x'.repeat(50)}`), frame(1, `${'y'.repeat(50)}\nnext\n`)]);
    expect(feed(new LogLineSplitter({ tty: false, maxLineBytes: 10 }), long, 7)).toEqual(['x'.repeat(10), 'next']);
  });

  it('keeps multi-byte characters split across frames', () => {
    const euro = Buffer.from('€\n');
    const split = Buffer.concat([frame(1, ''), Buffer.from([1, 0, 0, 0, 0, 0, 0, 1]), euro.subarray(0, 1), Buffer.from([1, 0, 0, 0, 0, 0, 0, 3]), euro.subarray(1)]);
    expect(feed(new LogLineSplitter({ tty: false, maxLineBytes: 100 }), split, 2)).toEqual(['€']);
  });
});
