// One live agent connection per host, as this process holds them. A newcomer for a host
// that has one waits its turn (claims for one host are serialised), then the current
// connection is probed: one that answers keeps the host and the newcomer is refused; one
// that stays silent is dropped and the newcomer takes its place (decideHostConnection).
import type { Socket } from 'socket.io';
import { decideHostConnection, type HandshakeRefused, type LiveConnection } from '../../../../libs/domain/src/index.js';
import { HOST_PROBE_EVENT, HOST_PROBE_TIMEOUT_MS } from '../../../../libs/protocol/src/index.js';

/**
 * A socket accepted by the handshake connects right after; one that never does (the client
 * went away in between) emits no disconnect, so its claim lapses after this long.
 */
const UNCONNECTED_CLAIM_MS = 10_000;

interface Claim {
  socket: Socket;
  claimedAt: number;
}

export class HostConnections {
  private readonly claims = new Map<string, Claim>();
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Gives `socket` the host, or says why not. Call from the handshake middleware. */
  claim(hostname: string, socket: Socket): Promise<HandshakeRefused | undefined> {
    const previous = this.turns.get(hostname) ?? Promise.resolve();
    const turn = previous.then(() => this.decide(hostname, socket));
    const settled = turn.catch(() => undefined);
    this.turns.set(hostname, settled);
    void settled.then(() => {
      if (this.turns.get(hostname) === settled) this.turns.delete(hostname);
    });
    return turn;
  }

  private async decide(hostname: string, socket: Socket): Promise<HandshakeRefused | undefined> {
    const current = this.claims.get(hostname);
    const decision = decideHostConnection(await this.liveness(current), hostname);
    if (!decision.accept) return decision;
    if (decision.replace) current!.socket.disconnect(true);
    this.claims.set(hostname, { socket, claimedAt: this.now() });
    socket.once('disconnect', () => {
      if (this.claims.get(hostname)?.socket === socket) this.claims.delete(hostname);
    });
    return undefined;
  }

  private async liveness(claim: Claim | undefined): Promise<LiveConnection> {
    // A claim is dropped at its socket's disconnect, so an unconnected socket here was
    // accepted a moment ago and is still connecting (it holds the host), or never connected.
    if (!claim) return 'none';
    if (!claim.socket.connected) return this.now() - claim.claimedAt > UNCONNECTED_CLAIM_MS ? 'none' : 'answered';
    try {
      await claim.socket.timeout(HOST_PROBE_TIMEOUT_MS).emitWithAck(HOST_PROBE_EVENT, {});
      return 'answered';
    } catch {
      return 'silent';
    }
  }
}
