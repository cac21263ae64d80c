// Every socket event gets an answer. Events a namespace does not declare are refused with
// EVENT_UNKNOWN; an event sent without an ack callback cannot be answered at all, so its
// connection is closed (an agent reconnects; a client that does not speak the protocol
// is gone). Declared events with an ack are left to their handlers.
import type { Socket } from 'socket.io';
import { AgentAckRefusal, refuse } from '../../../../libs/protocol/src/index.js';

export type UndeclaredEventCode = typeof AgentAckRefusal.EventUnknown | typeof AgentAckRefusal.AckMissing;

/** Called for each event refused here, before its answer: to count it and log it. */
export type OnUndeclared = (event: string, code: UndeclaredEventCode, closing: boolean) => void;

export function answerUndeclaredEvents(socket: Socket, declared: readonly string[], onRefused: OnUndeclared): void {
  socket.onAny((event: string, ...args: unknown[]) => {
    const ack = args.at(-1);
    const isDeclared = declared.includes(event);
    if (isDeclared && typeof ack === 'function') return;
    const code = isDeclared ? AgentAckRefusal.AckMissing : AgentAckRefusal.EventUnknown;
    const closing = typeof ack !== 'function';
    onRefused(event, code, closing);
    if (closing) {
      socket.disconnect(true);
      return;
    }
    (ack as (answer: unknown) => void)(refuse(code, `${JSON.stringify(String(event).slice(0, 100))} is not an event of this namespace`));
  });
}
