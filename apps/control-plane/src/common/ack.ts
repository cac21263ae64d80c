// Runs a socket handler and turns its outcome into the protocol's ack union: domain
// errors become refusals with their code; anything else is logged and refused as INTERNAL.
import { Logger } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '../../../../libs/domain/src/index.js';
import { AgentAckRefusal, describeIssues, ok, refuse, type Ack } from '../../../../libs/protocol/src/index.js';

const logger = new Logger('SocketAck');

export async function toAck<T>(work: () => Promise<T>): Promise<Ack<T>> {
  try {
    return ok(await work());
  } catch (error) {
    if (error instanceof DomainError) return refuse(error.code, error.message);
    logger.error(`socket handler failed: ${(error as Error).stack ?? String(error)}`);
    return refuse(AgentAckRefusal.Internal, 'the control plane failed to handle this message');
  }
}

/** Parses a socket payload; throws a domain error the ack carries back as PAYLOAD_INVALID. */
export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) throw new DomainError('invalid', AgentAckRefusal.PayloadInvalid, `${what}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The error a namespace middleware passes to `next()`: the client gets it as `connect_error` with `data`. */
export function handshakeRefusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code, message } });
}
