import fc from 'fast-check';
import { z } from 'zod';
import { flattenIssues } from './ack.js';
import { boundedRecord } from './record.js';
import { NUL_MESSAGE, safeText, SURROGATE_MESSAGE, text, textProblem } from './text.js';

describe('text(): strings PostgreSQL can store', () => {
  it.each([
    ['a NUL', 'a\u0000b', NUL_MESSAGE],
    ['a NUL alone', '\u0000', NUL_MESSAGE],
    ['a lone high surrogate', 'a\ud800', SURROGATE_MESSAGE],
    ['a lone high surrogate before a letter', '\ud800b', SURROGATE_MESSAGE],
    ['a lone low surrogate', '\udc00', SURROGATE_MESSAGE],
    ['a reversed pair', '\ude80\ud83d', SURROGATE_MESSAGE],
    ['two high surrogates', '\ud83d\ud83d\ude80', SURROGATE_MESSAGE],
  ])('refuses %s, saying so', (_what, value, message) => {
    expect(textProblem(value)).toBe(message);
    expect(text().safeParse(value).error?.issues).toEqual([expect.objectContaining({ code: 'custom', message, path: [] })]);
  });

  it.each([[''], ['plain'], ['rack \ud83d\ude80 r1'], ['tab\tand newline\n'], ['\u00e9\u4e2d\u0001']])('accepts %j', (value) => {
    expect(textProblem(value)).toBeUndefined();
    expect(text().parse(value)).toBe(value);
  });

  it('agrees with String.prototype.isWellFormed and a NUL search on any string', () => {
    const isWellFormed = (value: string) => (String.prototype as unknown as { isWellFormed(this: string): boolean }).isWellFormed.call(value);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }), (a, b) => {
        for (const value of [a, b, a + b]) expect(textProblem(value) === undefined).toBe(isWellFormed(value) && !value.includes('\u0000'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('chains like z.string(): trims, bounds and matches after the check', () => {
    const name = text().trim().min(1).max(3).regex(/^[a-z]+$/);
    expect(name.parse(' ab ')).toBe('ab');
    expect(name.safeParse('a\u0000').error?.issues.map((issue) => issue.message)).toContain(NUL_MESSAGE);
  });

  it('refuses the bad string inside a record key, an array and a nested object, with its path', () => {
    const schema = z.strictObject({ labels: z.record(text(), text()), items: z.array(z.object({ name: text() })) });
    const result = schema.safeParse({ labels: { 'k\u0000': 'v' }, items: [{ name: 'ok' }, { name: '\udfff' }] });
    expect(flattenIssues(result.error!)).toEqual([
      { path: 'labels.k\u0000', message: `the key ${NUL_MESSAGE}` },
      { path: 'items.1.name', message: SURROGATE_MESSAGE },
    ]);
  });

  it('caps a record before parsing its entries, naming the limit', () => {
    const labels = boundedRecord(text(), text(), 2, 'labels');
    expect(labels.parse({ a: 'x', b: 'y' })).toEqual({ a: 'x', b: 'y' });
    // The cap is checked first: the bad entries of an oversized record are not even looked at.
    expect(labels.safeParse({ a: '\u0000', b: '\u0000', c: '\u0000' }).error?.issues).toEqual([expect.objectContaining({ message: 'at most 2 labels' })]);
    expect(labels.safeParse({ a: '\u0000' }).error?.issues.map((issue) => issue.message)).toEqual([NUL_MESSAGE]);
    expect(labels.safeParse('x').success).toBe(false);
  });

  it('checks string formats other than z.string() through safeText', () => {
    expect(z.url().check(safeText).safeParse('https://example.com/a\u0000').error?.issues.map((issue) => issue.message)).toEqual([NUL_MESSAGE]);
  });
});
