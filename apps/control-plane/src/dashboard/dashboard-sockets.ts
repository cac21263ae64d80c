// The live dashboard connections, as the rest of the control plane may touch them: a
// revoked API token must not keep a feed open. Rooms, so this works across replicas.
import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';

export const apiTokenRoom = (tokenId: string) => `api-token:${tokenId}`;

@Injectable()
export class DashboardSockets {
  private namespace: Namespace | undefined;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  disconnectToken(tokenId: string): void {
    this.namespace?.in(apiTokenRoom(tokenId)).disconnectSockets(true);
  }
}
