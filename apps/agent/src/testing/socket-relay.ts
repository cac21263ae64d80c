// For agent tests: a unix-socket relay in front of the real engine. Closing it drops
// every open connection and removes the socket, as an engine that stops would; opening
// it again brings the same engine back at the same path.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rm } from 'node:fs/promises';

export class SocketRelay {
  private server?: Server;
  private readonly open = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly target: string,
  ) {}

  async up(): Promise<void> {
    await rm(this.path, { force: true });
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const socket of [client, upstream]) {
        this.open.add(socket);
        socket.on('close', () => this.open.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.path, resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.open.forEach((socket) => socket.destroy());
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
