import fc from 'fast-check';
import { jsonShapeProblem } from './json-shape.js';

const deep = (max: number) => ({ maxDepth: max, maxEntries: 1_000_000 });
const jsonNestsDeeperThan = (bytes: Uint8Array, max: number) => jsonShapeProblem(bytes, deep(max)) !== undefined;

const bytes = (text: string) => Buffer.from(text, 'utf8');

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('jsonShapeProblem', () => {
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

  it('stops at the first level too deep of a 1 MB body, naming the limit', () => {
    expect(jsonShapeProblem(bytes('['.repeat(1_000_000)), { maxDepth: 32, maxEntries: 10 })).toBe('the JSON body nests deeper than the limit of 32 levels');
  });

  function entriesOf(value: unknown): number {
    if (typeof value !== 'object' || value === null) return 0;
    const children = Array.isArray(value) ? value : Object.values(value);
    return children.length + children.reduce<number>((sum, child) => sum + entriesOf(child), 0);
  }

  it('counts keys and items outside strings, naming the limit', () => {
    const limits = { maxDepth: 32, maxEntries: 3 };
    expect(jsonShapeProblem(bytes('[1,2,3]'), limits)).toBeUndefined();
    expect(jsonShapeProblem(bytes('{"a,b,c,d":"e,f,g"}'), limits)).toBeUndefined();
    expect(jsonShapeProblem(bytes('[1,2,3,4]'), limits)).toBe('the JSON body holds more than the limit of 3 keys and items');
  });

  it('never refuses a value with fewer entries than the limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const entries = entriesOf(JSON.parse(text));
        expect(jsonShapeProblem(bytes(text), { maxDepth: 100, maxEntries: entries + 1 })).toBeUndefined();
      }),
      { numRuns: 1_000 },
    );
  });
});
