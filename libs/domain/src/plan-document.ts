// Bounds on a launch plan document before its schema is checked: how many keys and
// items, how deep, and (for YAML) no key twice in one mapping. Each check is one linear walk,
// so the work a plan costs grows with its size and no faster. A real plan has a few
// dozen keys at depth 5; the limits leave room for large ones and refuse only abuse.
import type * as Yaml from 'yaml';
import type { Problem } from './plan-validation.js';

export interface PlanDocumentLimits {
  /** Mapping keys and sequence items in the whole document. */
  maxEntries: number;
  /** Nesting of mappings and sequences; the top-level mapping is depth 1. */
  maxDepth: number;
  /** YAML aliases; a "billion laughs" document expands them exponentially. */
  maxAliases: number;
}

export const PLAN_DOCUMENT_LIMITS: PlanDocumentLimits = { maxEntries: 10_000, maxDepth: 32, maxAliases: 50 };

export type YamlPlanResult = { ok: true; value: unknown } | { ok: false; problems: Problem[] };

/**
 * Parses a YAML plan: syntax, then one walk over the document's nodes for duplicate
 * keys (a Set per mapping), the count of keys and items and the depth, then the plain value. The yaml module
 * is a parameter and the function refers to nothing outside itself, because it also runs
 * in the plan parser's worker thread from its source text (yaml-plan-parser.ts).
 */
export function parseYamlPlan(yaml: typeof Yaml, text: string, limits: PlanDocumentLimits): YamlPlanResult {
  // uniqueKeys: false because yaml's own check compares every key with every other (quadratic).
  const document = yaml.parseDocument(text, { uniqueKeys: false, prettyErrors: true, strict: true });
  if (document.errors.length > 0) {
    return { ok: false, problems: document.errors.map((error) => ({ path: '', message: `YAML: ${error.message.split('\n')[0]}` })) };
  }
  const problems: Problem[] = [];
  let entries = 0;
  const tooMany = () => ({ ok: false as const, problems: [{ path: '', message: `YAML: more than the limit of ${limits.maxEntries} keys and items` }] });
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: document.contents, path: '', depth: 1 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (!yaml.isCollection(node)) continue;
    if (depth > limits.maxDepth) {
      return { ok: false, problems: [{ path, message: `YAML: nested deeper than the limit of ${limits.maxDepth} levels` }] };
    }
    const at = (key: string) => (path ? `${path}.${key}` : key);
    entries += node.items.length;
    if (entries > limits.maxEntries) return tooMany();
    if (yaml.isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: at(String(i)), depth: depth + 1 }));
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = pair.key;
      if (!yaml.isScalar(key)) {
        problems.push({ path, message: 'YAML: a mapping key must be a plain value (a string or a number), not a collection or an alias' });
        continue;
      }
      const name = String(key.value);
      // By value and type, as yaml's own check: `1` and `"1"` are different keys.
      if (seen.has(key.value)) problems.push({ path: at(name), message: `YAML: duplicate key "${name}"` });
      seen.add(key.value);
      stack.push({ node: pair.value, path: at(name), depth: depth + 1 });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: limits.maxAliases }) };
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `YAML: ${(error as Error).message}` }] };
  }
}
