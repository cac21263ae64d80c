// Values shaped by a JSON schema (an OpenAPI component, or a zod schema through
// z.toJSONSchema), then spoiled in one place. A payload that is hostile everywhere is
// refused at its first field; one that is valid except for one leaf reaches the code
// behind the validation (the database, the domain), where today's 500s come from.
import fc from 'fast-check';
import { hostileValue } from './values.js';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  /** A number in JSON Schema 2020-12 (zod's output), a flag in OpenAPI 3.0 (nestjs-zod's). */
  exclusiveMinimum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

export type Resolve = (ref: string) => JsonSchema;

const noRefs: Resolve = (ref) => {
  throw new Error(`unexpected $ref ${ref}`);
};

/** A value that looks like what the schema asks for (often valid, sometimes not: patterns are hard). */
export function plausible(schema: JsonSchema, resolve: Resolve = noRefs, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return plausible(resolve(schema.$ref), resolve, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) return fc.oneof(...choices.map((choice) => plausible(choice, resolve, depth)));
  if (schema.allOf) return plausible(schema.allOf[0]!, resolve, depth);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (depth > 6) return fc.constant(null);
  switch (type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const properties = schema.properties ?? {};
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, plausible(value, resolve, depth + 1)])),
        { requiredKeys: (schema.required ?? []).filter((key) => key in properties) },
      );
      if (typeof schema.additionalProperties === 'object' && Object.keys(properties).length === 0) {
        const keys = schema.propertyNames ? plausibleString(schema.propertyNames) : fc.stringMatching(/^[a-z][a-z0-9_.-]{0,15}$/);
        return fc.dictionary(keys, plausible(schema.additionalProperties, resolve, depth + 1), { maxKeys: 3 });
      }
      return record;
    }
    case 'array':
      return fc.array(plausible(schema.items ?? {}, resolve, depth + 1), {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: Math.max(Math.min(schema.maxItems ?? 3, 3), Math.min(schema.minItems ?? 0, 3)),
      });
    case 'string':
      return plausibleString(schema);
    case 'integer': {
      const floor = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -1000) + (schema.exclusiveMinimum === true ? 1 : 0);
      return fc.integer({ min: Math.max(floor, -(2 ** 31)), max: Math.min(schema.maximum ?? 1000, 2 ** 31 - 1) });
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

function plausibleString(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  const maxLength = Math.min(schema.maxLength ?? 24, 24);
  if (schema.pattern) {
    try {
      const pattern = new RegExp(schema.pattern, 'u');
      return fc.stringMatching(pattern).filter((value) => value.length <= (schema.maxLength ?? Infinity));
    } catch {
      // A pattern JavaScript cannot compile with the u flag: a plain string, likely refused.
    }
  }
  return fc.string({ minLength: Math.min(schema.minLength ?? 1, maxLength), maxLength }).map((s) => s.replace(/[^\x20-\x7e]/g, 'a'));
}

type Path = (string | number)[];

/**
 * Every place in `value` a hostile leaf can go: each existing node, and a new key in each
 * object. Not below the schema's own depth: a first edit may have put a 2000-deep shape there.
 */
function places(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (path.length >= 8) return out;
  if (Array.isArray(value)) value.slice(0, 5).forEach((item, i) => places(item, [...path, i], out));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) places(item, [...path, key], out);
    out.push([...path, 'unexpectedKey']);
  }
  return out;
}

function replaced(value: unknown, path: Path, leaf: unknown): unknown {
  if (path.length === 0) return leaf;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head!] = replaced(copy[head!], rest, leaf);
  return copy;
}

/** A plausible value with one or two places (picked at random) holding a hostile value. */
export function spoiled(schema: JsonSchema, resolve: Resolve = noRefs): fc.Arbitrary<unknown> {
  return fc
    .tuple(plausible(schema, resolve), fc.array(fc.tuple(fc.nat(), hostileValue()), { minLength: 1, maxLength: 2 }))
    .map(([value, edits]) => {
      let result = value;
      for (const [pick, leaf] of edits) {
        const all = places(result);
        // Prefer leaves over the root: a replaced root is just a hostile shape.
        const inner = all.length > 1 ? all.slice(1) : all;
        result = replaced(result, inner[pick % inner.length]!, leaf);
      }
      return result;
    });
}
