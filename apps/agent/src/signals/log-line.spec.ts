import { DEFAULT_SIGNAL_SOURCES, SignalSources } from '../../../../libs/protocol/src/index.js';
import { classifyLogLine, parseCommonLine, parseJsonLine } from './log-line.js';

const json = SignalSources.parse({ accessLog: 'json', jsonStatusField: 'code', jsonLatencyField: 'ms' });

describe('parseCommonLine', () => {
  it.each([
    ['Common Log Format', '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326', { kind: 'access', status: 200 }],
    ['no bytes (-)', '10.0.0.1 - - [28/Nov/2026:00:22:38 +0000] "POST /api HTTP/1.1" 503 -', { kind: 'access', status: 503 }],
    [
      'Combined Log Format',
      '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 404 12 "http://ref.example/" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
      { kind: 'access', status: 404 },
    ],
    ['CLF with %D', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 12 1500', { kind: 'access', status: 200, latencyMs: 1.5 }],
    ['Combined with %D', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 500 0 "-" "curl/8.0" 250000', { kind: 'access', status: 500, latencyMs: 250 }],
    ['escaped quote in the request', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a\\"b HTTP/1.1" 302 0', { kind: 'access', status: 302 }],
    ['IPv6 peer in brackets', '[::1] - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 3', { kind: 'access', status: 200 }],
    ['trailing whitespace', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 3   ', { kind: 'access', status: 200 }],
    ['unknown trailing field: no latency', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 3 0.015', { kind: 'access', status: 200 }],
  ])('%s', (_name, line, expected) => {
    expect(parseCommonLine(line)).toEqual(expected);
  });

  it.each([
    ['junk', 'hello world'],
    ['empty', ''],
    ['status out of range', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 999 3'],
    ['status not three digits', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 20 3'],
    ['no date', '10.0.0.1 - - "GET / HTTP/1.1" 200 3'],
    ['unterminated request', '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1 200 3'],
    ['an error line mentioning a status', 'ERROR upstream answered 502 after 3 tries'],
  ])('is not an access line: %s', (_name, line) => {
    expect(parseCommonLine(line)).toBeUndefined();
  });

  it('stays fast on hostile lines', () => {
    const started = performance.now();
    parseCommonLine(`a b c [${'x'.repeat(16_000)}`);
    parseCommonLine(`a b c [d] "${'\\"'.repeat(8_000)}`);
    parseCommonLine(`a b c [d] "r" 200 1${' "x"'.repeat(4_000)} y`);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('parseJsonLine', () => {
  it.each([
    ['number status and latency', '{"code":200,"ms":12.5}', { kind: 'access', status: 200, latencyMs: 12.5 }],
    ['numeric string status', '{"code":"404","msg":"not found"}', { kind: 'access', status: 404 }],
    ['numeric string latency', '  {"code":500,"ms":"7"}  ', { kind: 'access', status: 500, latencyMs: 7 }],
    ['negative latency ignored', '{"code":200,"ms":-1}', { kind: 'access', status: 200 }],
    ['latency of another type ignored', '{"code":200,"ms":true}', { kind: 'access', status: 200 }],
  ])('%s', (_name, line, expected) => {
    expect(parseJsonLine(line, 'code', 'ms')).toEqual(expected);
  });

  it.each([
    ['no status field', '{"status":200}'],
    ['status out of range', '{"code":42}'],
    ['fractional status', '{"code":200.5}'],
    ['status not numeric', '{"code":"ok"}'],
    ['an array', '[{"code":200}]'],
    ['broken JSON', '{"code":200'],
    ['not JSON', 'GET / 200'],
  ])('is not an access line: %s', (_name, line) => {
    expect(parseJsonLine(line, 'code', 'ms')).toBeUndefined();
  });

  it("reads only the object's own fields, never inherited ones", () => {
    expect(parseJsonLine('{"a":1}', 'constructor', 'ms')).toBeUndefined();
    expect(parseJsonLine('{"status":200}', 'status', 'toString')).toEqual({ kind: 'access', status: 200 });
  });
});

describe('classifyLogLine', () => {
  it('counts a non-access line with an error pattern as an error', () => {
    expect(classifyLogLine('2026/11/28 ERROR database is down', DEFAULT_SIGNAL_SOURCES)).toEqual({ kind: 'error' });
    expect(classifyLogLine('panic: runtime error: index out of range', DEFAULT_SIGNAL_SOURCES)).toEqual({ kind: 'error' });
    expect(classifyLogLine('error in lower case', DEFAULT_SIGNAL_SOURCES)).toEqual({ kind: 'other' });
    expect(classifyLogLine('listening on :8080', DEFAULT_SIGNAL_SOURCES)).toEqual({ kind: 'other' });
  });

  it('never counts an access line as an error, whatever its request says', () => {
    expect(classifyLogLine('1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /ERROR HTTP/1.1" 200 3', DEFAULT_SIGNAL_SOURCES)).toEqual({ kind: 'access', status: 200 });
  });

  it('matches patterns as plain text, never as regexes', () => {
    const sources = SignalSources.parse({ errorPatterns: ['a.c', '(+'] });
    expect(classifyLogLine('abc', sources)).toEqual({ kind: 'other' });
    expect(classifyLogLine('found a.c here', sources)).toEqual({ kind: 'error' });
    expect(classifyLogLine('x (+ y', sources)).toEqual({ kind: 'error' });
  });

  it('parses JSON access lines and looks for errors in the rest', () => {
    expect(classifyLogLine('{"code":201,"ms":3}', json)).toEqual({ kind: 'access', status: 201, latencyMs: 3 });
    expect(classifyLogLine('{"level":"FATAL","msg":"out of memory"}', json)).toEqual({ kind: 'error' });
  });

  it('with accessLog none, reads only error lines', () => {
    const none = SignalSources.parse({ accessLog: 'none' });
    expect(classifyLogLine('10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 3', none)).toEqual({ kind: 'other' });
    expect(classifyLogLine('FATAL: no config', none)).toEqual({ kind: 'error' });
  });
});
