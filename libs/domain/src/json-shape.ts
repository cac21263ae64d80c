// How deep a JSON text nests and how many entries it holds, read from its bytes before
// JSON.parse: a 1 MB body of `[[[[...` costs JSON.parse a fifth of a second and every
// walk after it a deep recursion, and one of 100,000 keys costs the schema check that
// follows a tenth of a second; this scan is one pass that stops at the first excess.

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

export interface JsonShapeLimits {
  /** Nesting of arrays and objects; a top-level object is depth 1. */
  maxDepth: number;
  /** Object keys and array items in the whole text. */
  maxEntries: number;
}

/** What makes the JSON text in `bytes` exceed the limits, or undefined. Syntax is JSON.parse's business. */
export function jsonShapeProblem(bytes: Uint8Array, limits: JsonShapeLimits): string | undefined {
  let depth = 0;
  // Each comma outside a string separates two entries: commas + 1 per non-empty container.
  let separators = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === COMMA) {
      if (++separators >= limits.maxEntries) return `the JSON body holds more than the limit of ${limits.maxEntries} keys and items`;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limits.maxDepth) return `the JSON body nests deeper than the limit of ${limits.maxDepth} levels`;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
  }
  return undefined;
}
