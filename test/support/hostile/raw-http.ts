// HTTP requests no HTTP client will send (raw control characters in the request line, a
// header name with a space, a header past the size limit), written straight to a TCP
// socket, for what Node's parser answers before the application sees anything.
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `head` (request line and headers, without the blank line) and reads the answer until the server closes or 5 s pass. */
export function rawRequest(url: string, head: string): Promise<RawAnswer | { error: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const finish = () => {
      socket.destroy();
      const [top = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = top.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
      if (!status) return resolve({ error: data ? `not HTTP: ${JSON.stringify(data.slice(0, 80))}` : 'closed without an answer' });
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const body = rest.join('\r\n\r\n');
      resolve({ status, headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(body) : body });
    };
    // `Connection: close` makes the server close after its answer; a parser error closes too.
    const timer = setTimeout(finish, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (data) finish();
      else resolve({ error: error.message });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    socket.write(`${head}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`, 'latin1');
  });
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (eol < 0 || !size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** Requests Node's HTTP parser refuses, or answers before routing. */
export const RAW_REQUESTS: { note: string; head: (token: string) => string }[] = [
  { note: 'raw control character in the path', head: (t) => `GET /api/v1/hosts/a\u0001b HTTP/1.1\r\nAuthorization: Bearer ${t}` },
  { note: 'raw NUL in the path', head: (t) => `GET /api/v1/hosts/a\u0000b HTTP/1.1\r\nAuthorization: Bearer ${t}` },
  { note: 'raw space in the path', head: (t) => `GET /api/v1/hosts/a b HTTP/1.1\r\nAuthorization: Bearer ${t}` },
  { note: 'control character in a header value', head: (t) => `GET /api/v1/hosts HTTP/1.1\r\nAuthorization: Bearer ${t}\r\nX-Test: a\u0007b` },
  { note: 'space in a header name', head: (t) => `GET /api/v1/hosts HTTP/1.1\r\nAuthorization: Bearer ${t}\r\nBad Header: x` },
  { note: 'header past 16 KB', head: (t) => `GET /api/v1/hosts HTTP/1.1\r\nAuthorization: Bearer ${t}\r\nX-Big: ${'x'.repeat(20_000)}` },
  { note: 'unknown HTTP version', head: (t) => `GET /api/v1/hosts HTTP/9.9\r\nAuthorization: Bearer ${t}` },
  { note: 'Content-Length and chunked together', head: (t) => `POST /api/v1/datacenters HTTP/1.1\r\nAuthorization: Bearer ${t}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked` },
];
