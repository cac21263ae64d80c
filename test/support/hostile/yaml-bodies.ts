// YAML bodies for the routes that take plans as YAML: the sizes and shapes that made
// the parser stall the control plane (issue 15: 30 000 keys, 16-28 s) and its cousins.
import fc from 'fast-check';
import type { Body } from './http-cases.js';

const keys = (count: number, duplicate: boolean) =>
  Array.from({ length: count }, (_, i) => `k${duplicate ? i % (count / 2) : i}: ${i}`).join('\n');
/** Plan-sized YAML a parser can be made to work hard on: many keys, duplicates, aliases, depth. */
export const YAML_VARIANTS: [string, () => string][] = [
  ['1000 keys', () => keys(1000, false)],
  ['5000 keys', () => keys(5000, false)],
  ['30000 keys', () => keys(30_000, false)],
  ['5000 keys, half duplicates', () => keys(5000, true)],
  ['alias bomb', () => ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghij'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)].join('\n')],
  ['10000-deep flow sequence', () => `${'['.repeat(10_000)}1${']'.repeat(10_000)}`],
  ['NUL and controls', () => 'title: "a\\0b\\x01"\ndescription: "\\ud800"'],
  ['tag and merge keys', () => 'x: !!binary AAAA\ny: !!js/function "return 1"\n<<: {a: 1}'],
];

export const yamlBody = ([note, make]: [string, () => string]): Body => ({ kind: 'raw', contentType: 'application/yaml', text: make(), note: `YAML ${note}` });
export const hostileYaml = (): fc.Arbitrary<Body> => fc.constantFrom(...YAML_VARIANTS).map(yamlBody);
