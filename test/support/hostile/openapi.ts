// The routes a running control plane declares in its OpenAPI document (/docs-json), so
// the fuzz and the role matrix cover a route the day it is added, without an edit.
import request from 'supertest';
import type { JsonSchema, Resolve } from './schema-values.js';

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: JsonSchema;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As the document writes it: `/api/v1/hosts/{name}`. */
  path: string;
  parameters: Parameter[];
  /** Content types the body may have, with the schema of each (absent: no body declared). */
  body?: { contentTypes: string[]; schema: JsonSchema };
  /** "PUT /api/v1/hosts/{name}", the name tables use. */
  id: string;
}

export interface ApiDocument {
  operations: Operation[];
  resolve: Resolve;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface RawOperation {
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

export async function readApiDocument(url: string): Promise<ApiDocument> {
  const { body } = await request(url).get('/docs-json').expect(200);
  const document = body as { paths: Record<string, Record<string, RawOperation>>; components?: { schemas?: Record<string, JsonSchema> } };
  const schemas = document.components?.schemas ?? {};
  const resolve: Resolve = (ref) => {
    const name = ref.replace('#/components/schemas/', '');
    const schema = schemas[name];
    if (!schema) throw new Error(`/docs-json: ${ref} is not in components.schemas`);
    return schema;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const parameters = (raw.parameters ?? [])
        .filter((p): p is { name: string; in: 'path' | 'query'; schema?: JsonSchema } => p.in === 'path' || p.in === 'query')
        .map((p) => ({ name: p.name, in: p.in, schema: p.schema ?? { type: 'string' } }));
      const content = raw.requestBody?.content;
      const contentTypes = content ? Object.keys(content) : [];
      operations.push({
        method,
        path,
        parameters,
        body: content ? { contentTypes, schema: content[contentTypes[0]!]?.schema ?? {} } : undefined,
        id: `${method.toUpperCase()} ${path}`,
      });
    }
  }
  return { operations, resolve };
}

/** Routes that change state: the role matrix's rows. */
export const isMutating = (operation: Operation) => operation.method !== 'get';
