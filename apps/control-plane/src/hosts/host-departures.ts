// Tells this process that hosts stopped being online (swept unreachable, or their agent
// said goodbye), so the rollout engine looks for the hosts its rollouts lost at once
// instead of reading every active rollout's whole state twice a second. A hint only: the
// engine still looks every few seconds, which also covers other replicas' sweeps.
import { Injectable } from '@nestjs/common';

@Injectable()
export class HostDepartures {
  private readonly listeners = new Set<() => void>();

  /** Returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }
}
