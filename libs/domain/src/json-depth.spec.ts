import fc from 'fast-check';
import { jsonNestsDeeperThan } from './json-depth.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('jsonNestsDeeperThan', () => {
  it.each([
    ['{}', 1],
    ['[[[]]]', 3],
    ['{"a":[{"b":{}}]}', 4],
    ['"[[[[["', 0],
    ['{"a":"\\"[[[["}', 1],
    ['[1,[2],[3,[4]]]', 3],
  ])('reads %s as %i deep', (text, depth) => {
    expect(jsonNestsDeeperThan(bytes(text), depth)).toBe(false);
    if (depth > 0) expect(jsonNestsDeeperThan(bytes(text), depth - 1)).toBe(true);
  });

  it('agrees with the parsed value on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonNestsDeeperThan(bytes(text), max)).toBe(depthOf(JSON.parse(text)) > max);
      }),
      { numRuns: 1_000 },
    );
  });

  it('stops at the first level too deep of a 1 MB body', () => {
    expect(jsonNestsDeeperThan(bytes('['.repeat(1_000_000)), 32)).toBe(true);
  });
});
