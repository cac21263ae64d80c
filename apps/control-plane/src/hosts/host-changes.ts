// Tells this process's other services what happened to hosts, after it committed:
// - `left-online`: hosts were swept unreachable or their agent said goodbye; the rollout
//   engine looks for the hosts its rollouts lost at once instead of reading every active
//   rollout's whole state twice a second (it still looks every few seconds, which also
//   covers other replicas' sweeps);
// - `moved`: an operator placed a host in another datacenter; its traffic follows the
//   datacenter's (TrafficService).
import { Injectable } from '@nestjs/common';

export type HostChange = { kind: 'left-online' } | { kind: 'moved'; hostname: string; from: string; to: string };

@Injectable()
export class HostChanges {
  private readonly listeners = new Set<(change: HostChange) => void | Promise<void>>();

  /** Returns the unsubscribe. A listener handles its own errors. */
  subscribe(listener: (change: HostChange) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every listener has done what it does with the change. */
  async notify(change: HostChange): Promise<void> {
    await Promise.all([...this.listeners].map((listener) => listener(change)));
  }
}
