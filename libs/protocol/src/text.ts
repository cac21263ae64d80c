// The one refinement every string on the wire goes through. PostgreSQL refuses a NUL in
// text and jsonb, and jsonb refuses an unpaired surrogate escape, so such a string would
// get through validation only to fail as a database error (a 500, or an INTERNAL ack).
// Refusing it at the boundary turns that into a 4xx that says what is wrong.
import { z } from 'zod';

const NUL = /\u0000/;
// Code units, not code points (no `u` flag): a high surrogate not followed by a low one,
// or a low one not preceded by a high one.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NUL_MESSAGE = 'must not contain a NUL character (U+0000)';
export const SURROGATE_MESSAGE = 'must not contain an unpaired UTF-16 surrogate (U+D800 to U+DFFF)';

/** Why a string cannot be stored as text, or undefined when it can. */
export function textProblem(value: string): string | undefined {
  if (NUL.test(value)) return NUL_MESSAGE;
  if (UNPAIRED_SURROGATE.test(value)) return SURROGATE_MESSAGE;
  return undefined;
}

/** The check itself, for string formats other than z.string(): `z.url().check(safeText)`. */
export function safeText(payload: z.core.ParsePayload<string>): void {
  const problem = textProblem(payload.value);
  if (problem) payload.issues.push({ code: 'custom', message: problem, input: payload.value });
}

/** z.string() that refuses NUL and unpaired surrogates; chain .min(), .regex(), .trim() as usual. */
export function text(params?: Parameters<typeof z.string>[0]): z.ZodString {
  return z.string(params).check(safeText);
}
