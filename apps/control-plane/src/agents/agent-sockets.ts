// The live agent connections, as the rest of the control plane may touch them.
// Rooms rather than socket ids, so the same calls work across replicas with an adapter.
import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';

export const agentTokenRoom = (tokenId: string) => `agent-token:${tokenId}`;
export const hostRoom = (hostname: string) => `host:${hostname}`;

@Injectable()
export class AgentSockets {
  private namespace: Namespace | undefined;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  disconnectToken(tokenId: string): void {
    this.namespace?.in(agentTokenRoom(tokenId)).disconnectSockets(true);
  }
}
