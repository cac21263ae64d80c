// Every request/response over socket.io is acknowledged with this union, so a caller
// branches on `ok` and a refusal always carries a machine code and a human message.
import { z } from 'zod';
import { text } from './text.js';

export type Ack<T> = { ok: true; data: T } | { ok: false; code: string; message: string };

export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), code: text(), message: text() }),
  ]);
}

export const ok = <T>(data: T): Ack<T> => ({ ok: true, data });
export const refuse = (code: string, message: string): Ack<never> => ({ ok: false, code, message });

/** Renders zod issues as `path: message; path: message` for refusals and logs. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
