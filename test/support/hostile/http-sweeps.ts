// Cases every REST fuzz run sends whatever its seed, because random cases meet them too
// rarely at CI size: the largest YAML plan, the NUL and surrogate sweep over every
// parameter and field, and a method each path does not declare.
import fc from 'fast-check';
import type { HttpCase } from './http-cases.js';
import type { Operation } from './openapi.js';
import { plausible, type Resolve } from './schema-values.js';
import { YAML_VARIANTS, yamlBody } from './yaml-bodies.js';

/** The known stall (a plan of 30 000 YAML keys, issue 15) on each route taking YAML, and a method each path does not declare. */
export function fixedCases(operations: readonly Operation[], caller: string): HttpCase[] {
  const biggest = YAML_VARIANTS.find(([note]) => note === '30000 keys')!;
  const yaml = operations
    .filter((operation) => operation.body?.contentTypes.includes('application/yaml') && operation.parameters.every((p) => p.in !== 'path'))
    .map((operation): HttpCase => ({ operation, caller, path: {}, query: [], body: yamlBody(biggest) }));
  return [...yaml, ...undeclaredMethods(operations, caller)];
}

const POISONS = ['a\u0000b', 'a\ud800b'];

/**
 * The sweep behind "every string refused at the boundary" (issue 15): a NUL and a lone
 * surrogate in each path parameter, each declared query parameter and each top-level
 * string field of an otherwise plausible body, and 2^31 in each top-level integer field.
 * Random cases find these too, but not on every route at CI size.
 */
export function poisonCases(operations: readonly Operation[], known: Record<string, string[]>, resolve: Resolve, caller: string): HttpCase[] {
  const cases: HttpCase[] = [];
  for (const operation of operations) {
    const pathParameters = operation.parameters.filter((p) => p.in === 'path');
    const realPath = Object.fromEntries(pathParameters.map((p) => [p.name, { text: known[p.name]?.[0] ?? 'x' }]));
    const base = { operation, caller, path: realPath, query: [] as [string, string][] };
    for (const poison of POISONS) {
      for (const p of pathParameters) cases.push({ ...base, path: { ...realPath, [p.name]: { text: poison } } });
      for (const p of operation.parameters.filter((q) => q.in === 'query')) cases.push({ ...base, query: [[p.name, poison]] });
    }
    const schema = operation.body?.schema;
    const sample = schema && fc.sample(plausible(schema, resolve), { numRuns: 1, seed: 1 })[0];
    if (!sample || typeof sample !== 'object' || Array.isArray(sample)) continue;
    const properties = (schema.$ref ? resolve(schema.$ref) : schema).properties ?? {};
    for (const [name, property] of Object.entries(properties)) {
      const type = (property.$ref ? resolve(property.$ref) : property).type;
      const values = type === 'string' ? POISONS : type === 'integer' ? [2 ** 31, 2 ** 53 + 2] : [];
      for (const value of values) cases.push({ ...base, body: { kind: 'json', value: { ...sample, [name]: value } } });
    }
  }
  return cases;
}

/** For each path, one method it does not declare: the answer is 405, in the API's error shape. */
function undeclaredMethods(operations: readonly Operation[], caller: string): HttpCase[] {
  const byPath = new Map<string, Operation[]>();
  for (const operation of operations) byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation]);
  const cases: HttpCase[] = [];
  for (const [path, declared] of byPath) {
    const method = (['delete', 'patch', 'put', 'post'] as const).find((m) => !declared.some((d) => d.method === m));
    if (!method) continue;
    const parameters = declared[0]!.parameters.filter((p) => p.in === 'path');
    cases.push({
      operation: { method, path, parameters, id: `${method.toUpperCase()} ${path} (not declared)` },
      caller,
      path: Object.fromEntries(parameters.map((p) => [p.name, { text: 'x' }])),
      query: [],
      expectStatus: 405,
    });
  }
  return cases;
}
