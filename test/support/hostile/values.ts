// Hostile values for the fuzz specs, as fast-check arbitraries: strings that databases,
// parsers and loggers choke on, numbers at the edges of the columns and of JavaScript,
// and shapes no schema expects. Each is small unless its point is size.
import fc from 'fast-check';

/** Characters PostgreSQL, JSON or terminals treat specially, and classic injection text. */
const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u0001\u0008\u001b[31m\u007f',
  '\r\n\t',
  '\u202e\u200b\ufeff',
  '😀👩‍👩‍👧‍👦',
  'Ω≈ç√∫˜µ≤≥÷',
  "' OR '1'='1' --",
  "'; DROP TABLE hosts; --",
  '$1',
  '%00',
  '%s%n%x',
  '{"$ne":null}',
  '__proto__',
  'constructor',
  '../../../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '',
  ' ',
  'null',
  'true',
  '-1',
  'NaN',
  'Infinity',
  '1e309',
  '0x7fffffff',
  '9007199254740993',
  '2147483648',
] as const;

export const loneSurrogate = (): fc.Arbitrary<string> =>
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => `a${String.fromCharCode(code)}`);

/** What PostgreSQL refuses in text (NUL) or cannot encode (a lone surrogate), around ordinary text. */
export const poisonString = (): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('', 'web', 'tc-1', 'a'), fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0000\ud83d'), fc.constantFrom('', 'x', '-1'))
    .map(([before, poison, after]) => `${before}${poison}${after}`);

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 5, arbitrary: poisonString() },
    { weight: 2, arbitrary: loneSurrogate() },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom(1_000, 70_000, 300_000).map((length) => 'x'.repeat(length)) },
  );

const EDGE_NUMBERS = [
  0, -0, -1, 1, 0.5, -0.5, 1e-300,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53) - 2,
  1e21, 1e308, -1e308, Number.MAX_VALUE,
] as const;

export const hostileNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  );

/** Nesting built directly: fast-check's recursive arbitraries stay shallow, and depth is the point. */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

export const hostileShape = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom<unknown>(null, true, false, [], {}, [null], { __proto__: { admin: true } }, JSON.parse('{"__proto__":{"admin":true}}')),
    // Deeper than this JSON.stringify itself overflows; deeper bodies are sent as text (deepJsonText).
    fc.constantFrom(50, 2_000).chain((depth) => fc.constantFrom<'array' | 'object'>('array', 'object').map((kind) => nested(depth, kind))),
    fc.constantFrom(1_000, 100_000).map((length) => Array.from({ length }, (_, i) => i)),
    fc.dictionary(hostileString(), fc.oneof(hostileString(), hostileNumber()), { maxKeys: 5 }),
    fc.array(fc.oneof(hostileString(), hostileNumber()), { maxLength: 5 }),
  );

/** JSON text nested `depth` deep, for depths no JavaScript value can be serialised at. */
export const deepJsonText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Any hostile leaf: a string, a number or a shape. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: hostileString() }, { weight: 2, arbitrary: hostileNumber() }, { weight: 1, arbitrary: hostileShape() });
