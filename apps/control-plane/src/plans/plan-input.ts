// Turns a request body (JSON already parsed, and bounded by the JSON body parser, or YAML
// text) into a plan spec, or into every problem with it at once: parse errors, schema
// issues and fleet checks together.
import { ValidationFailed, validatePlanAgainstFleet, type FleetContext, type Problem } from '../../../../libs/domain/src/index.js';
import { flattenIssues, PlanSpec } from '../../../../libs/protocol/src/index.js';
import type { YamlPlanParser } from './yaml-plan-parser.js';

export async function readPlanBody(body: unknown, yaml: YamlPlanParser): Promise<unknown> {
  if (typeof body !== 'string') {
    if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0 && !Array.isArray(body))) {
      throw new ValidationFailed([{ path: '', message: 'the body is empty: send the plan as JSON or YAML' }], 'plan');
    }
    return body;
  }
  const parsed = await yaml.parse(body);
  if (!parsed.ok) throw new ValidationFailed(parsed.problems, 'plan');
  return parsed.value;
}

export function parsePlanSpec(input: unknown, fleet: FleetContext): PlanSpec {
  const parsed = PlanSpec.safeParse(input);
  const problems: Problem[] = parsed.success
    ? []
    : flattenIssues(parsed.error);
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
