// Turns a request body (JSON already parsed, or YAML text) into a plan spec, or into
// every problem with it at once: parse errors, schema issues and fleet checks together.
import { parseDocument } from 'yaml';
import { ValidationFailed, validatePlanAgainstFleet, type FleetContext, type Problem } from '../../../../libs/domain/src/index.js';
import { PlanSpec } from '../../../../libs/protocol/src/index.js';

/** YAML aliases beyond this count are refused: a "billion laughs" document expands them exponentially. */
const MAX_YAML_ALIASES = 50;

export function readPlanBody(body: unknown): unknown {
  if (typeof body !== 'string') {
    if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0 && !Array.isArray(body))) {
      throw new ValidationFailed([{ path: '', message: 'the body is empty: send the plan as JSON or YAML' }], 'plan');
    }
    return body;
  }
  const document = parseDocument(body, { uniqueKeys: true, prettyErrors: true, strict: true });
  if (document.errors.length > 0) {
    throw new ValidationFailed(
      document.errors.map((error) => ({ path: '', message: `YAML: ${error.message.split('\n')[0]}` })),
      'plan',
    );
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    throw new ValidationFailed([{ path: '', message: `YAML: ${(error as Error).message}` }], 'plan');
  }
}

export function parsePlanSpec(input: unknown, fleet: FleetContext): PlanSpec {
  const parsed = PlanSpec.safeParse(input);
  const problems: Problem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  problems.push(...validatePlanAgainstFleet(input, fleet));
  if (problems.length > 0 || !parsed.success) throw new ValidationFailed(dedupe(problems), 'plan');
  return parsed.data;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
