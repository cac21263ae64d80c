// The live agent connections, as the rest of the control plane may touch them.
// Rooms rather than socket ids, so the same calls work across replicas with an adapter.
import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { CommandDispatchAck, CommandEvent, type CommandDispatch } from '../../../../libs/protocol/src/index.js';

/** How long a dispatch waits for the agent's ack. */
export const DISPATCH_ACK_TIMEOUT_MS = 5_000;

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

  /**
   * Sends one command to the host's agent. True when the agent acknowledged it (it has
   * the command, or had it already); false when no agent answered or it refused.
   */
  async dispatch(hostname: string, dispatch: CommandDispatch): Promise<boolean> {
    if (!this.namespace) return false;
    try {
      const acks: unknown[] = await this.namespace
        .to(hostRoom(hostname))
        .timeout(DISPATCH_ACK_TIMEOUT_MS)
        .emitWithAck(CommandEvent.Dispatch, dispatch);
      return acks.some((ack) => CommandDispatchAck.safeParse(ack).data?.ok === true);
    } catch {
      return false;
    }
  }
}
