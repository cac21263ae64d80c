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

/**
 * Each zod issue as a path and a message. A record key that fails its schema is one
 * issue, "Invalid key in record", with the reasons nested: they are what a client needs.
 */
export function flattenIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.code === 'invalid_key' ? `the key ${issue.issues.map((inner) => inner.message).join(', ')}` : issue.message,
  }));
}

/** Renders zod issues as `path: message; path: message` for refusals and logs. */
export function describeIssues(error: z.ZodError): string {
  return flattenIssues(error)
    .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
    .join('; ');
}
