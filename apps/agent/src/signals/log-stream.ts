// Turns the bytes of an engine's logs endpoint into lines, chunk by chunk, in bounded
// memory. Without a TTY the body is multiplexed: frames of an 8-byte header (stream, 0,
// 0, 0, payload size as uint32 BE) and the payload; with a TTY it is the raw output.
// A line longer than `maxLineBytes` is cut there and the rest of it dropped.

export interface LogLineSplitterOptions {
  /** The container has a TTY: no frame headers. */
  tty: boolean;
  maxLineBytes: number;
}

const HEADER_BYTES = 8;

export class LogLineSplitter {
  private header = Buffer.alloc(0);
  /** Payload bytes still to come in the current frame. */
  private frameLeft = 0;
  /** Stdout (1) and stderr (2) are separate streams: a line never spans both. */
  private frameStream = 1;
  private readonly partial = new Map<number, { parts: Buffer[]; bytes: number; truncated: boolean }>();

  constructor(private readonly options: LogLineSplitterOptions) {}

  /** The complete lines this chunk ends (without their newline and any `\r` before it). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    if (this.options.tty) {
      this.payload(1, chunk, lines);
      return lines;
    }
    let at = 0;
    while (at < chunk.length) {
      if (this.frameLeft === 0) {
        const needed = HEADER_BYTES - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + needed)]);
        at += Math.min(needed, chunk.length - at);
        if (this.header.length < HEADER_BYTES) break;
        this.frameStream = this.header[0]!;
        this.frameLeft = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const take = Math.min(this.frameLeft, chunk.length - at);
      this.payload(this.frameStream, chunk.subarray(at, at + take), lines);
      this.frameLeft -= take;
      at += take;
    }
    return lines;
  }

  /** What is left without a newline when the body ends, as last lines. */
  end(): string[] {
    const lines: string[] = [];
    for (const stream of [...this.partial.keys()]) this.flush(stream, lines);
    return lines;
  }

  private payload(stream: number, bytes: Buffer, lines: string[]): void {
    let start = 0;
    for (let newline = bytes.indexOf(0x0a); newline !== -1; newline = bytes.indexOf(0x0a, start)) {
      this.append(stream, bytes.subarray(start, newline));
      this.flush(stream, lines);
      start = newline + 1;
    }
    if (start < bytes.length) this.append(stream, bytes.subarray(start));
  }

  private append(stream: number, bytes: Buffer): void {
    let line = this.partial.get(stream);
    if (!line) this.partial.set(stream, (line = { parts: [], bytes: 0, truncated: false }));
    const room = this.options.maxLineBytes - line.bytes;
    if (bytes.length > room) line.truncated = true;
    const kept = bytes.subarray(0, Math.max(0, room));
    if (kept.length > 0) {
      line.parts.push(Buffer.from(kept));
      line.bytes += kept.length;
    }
  }

  private flush(stream: number, lines: string[]): void {
    const line = this.partial.get(stream);
    if (!line) return;
    this.partial.delete(stream);
    lines.push(Buffer.concat(line.parts).toString('utf8').replace(/\r$/, ''));
  }
}
