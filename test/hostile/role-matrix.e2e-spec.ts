// Every role against every route that changes state, checked against the table below:
// a role outside a route's cell is refused with 403 and a code, one inside it is not
// refused (401/403). The routes come from the OpenAPI document, and a route missing from
// the table fails the test: a route is never added without a decision on who may call it.
import { ROLES, type Role } from '../../apps/control-plane/src/auth/principal.js';
import { seedRows, type HostileRows } from '../support/hostile/fixtures.js';
import { isMutating, readApiDocument, type Operation } from '../support/hostile/openapi.js';
import { killAll } from '../support/processes.js';
import { startSpawnedControlPlane, type SpawnedControlPlane } from '../support/spawned-control-plane.js';

const ADMIN_ONLY: readonly Role[] = ['admin'];
// Admins pass every role check (principal.ts hasAnyRole), so they are in every cell but the gates'.
const OPERATOR: readonly Role[] = ['operator', 'admin'];
const LAUNCH: readonly Role[] = ['dispatcher', 'operator', 'admin'];

/**
 * Who may call each mutating route, with the path parameters the matrix uses. Routes
 * checked in the service rather than by @RequireRoles say why in their comment.
 */
const MAY: Record<string, readonly Role[]> = {
  'PUT /api/v1/hosts/{name}': OPERATOR,
  'POST /api/v1/agent-tokens': ADMIN_ONLY,
  'DELETE /api/v1/agent-tokens/{id}': ADMIN_ONLY,
  'POST /api/v1/plans': ['engineer', 'operator', 'admin'],
  // The plan's author or an admin (requireAuthorOrAdmin); the matrix's users never wrote the plan.
  'PUT /api/v1/plans/{id}': ADMIN_ONLY,
  'POST /api/v1/plans/{id}/review-request': ADMIN_ONLY,
  'POST /api/v1/plans/{id}/delay-override': ADMIN_ONLY,
  // The matrix signs the qa gate: the gate's own role only, admins included in no gate (signingRefusal).
  'POST /api/v1/plans/{id}/gates/{gate}': ['qa'],
  'POST /api/v1/freezes': ADMIN_ONLY,
  'POST /api/v1/plans/{id}/start': LAUNCH,
  // A dry run of the launch above, across today's fleet: for those who launch, and for the
  // engineer who writes the plan and checks the batches it makes before asking for review.
  'POST /api/v1/plans/{id}/rollout-preview': ['engineer', ...LAUNCH],
  'POST /api/v1/rollouts': LAUNCH,
  'POST /api/v1/rollouts/{id}/rollback': LAUNCH,
  'POST /api/v1/rollouts/{id}/pause': LAUNCH,
  'POST /api/v1/rollouts/{id}/resume': LAUNCH,
  'POST /api/v1/rollouts/{id}/abort': LAUNCH,
  'POST /api/v1/summaries': ['dispatcher', 'admin'],
  'POST /api/v1/summaries/{id}/publish': ['dispatcher', 'admin'],
  'POST /api/v1/users': ADMIN_ONLY,
  'PUT /api/v1/users/{name}': ADMIN_ONLY,
  'POST /api/v1/users/{name}/tokens': ADMIN_ONLY,
  'DELETE /api/v1/users/{name}/tokens/{id}': ADMIN_ONLY,
  'POST /api/v1/services': OPERATOR,
  'PUT /api/v1/services/{name}': OPERATOR,
  'POST /api/v1/services/{name}/configs': OPERATOR,
  'PUT /api/v1/services/{name}/switches/{switch}': OPERATOR,
  'PUT /api/v1/services/{service}/traffic/{datacenter}': OPERATOR,
  'POST /api/v1/datacenters': ADMIN_ONLY,
};

/** Bodies where the route's refusal comes after the body's validation: a valid one, so the refusal shows. */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/plans/{id}/gates/{gate}': { decision: 'approve', comment: 'role matrix' },
};

describe('role matrix of the mutating routes', () => {
  let cp: SpawnedControlPlane;
  let rows: HostileRows | undefined;
  let mutating: Operation[];
  const tokens: Partial<Record<Role, string>> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    cp = await startSpawnedControlPlane();
    mutating = (await readApiDocument(cp.url)).operations.filter(isMutating);
    tokens.admin = cp.adminToken;
    for (const role of ROLES.filter((r) => r !== 'admin')) tokens[role] = await cp.userToken(`matrix-${role}`, [role]);
    // The plan's author is none of the matrix's users: author-or-admin routes then answer for the role alone.
    rows = await seedRows(cp, await cp.userToken('matrix-author', ['engineer']));
    ids.plan = rows.planId;
    ids.agentToken = rows.agentTokenId;
    // Valid content, so the author check (after the body is read) is what answers.
    BODIES['PUT /api/v1/plans/{id}'] = rows.planSpec;
    await cp.userToken('matrix-target', []);
  }, 120_000);

  afterAll(async () => {
    rows?.fleet.close();
    await cp?.close();
    await killAll();
  });

  /** The URL the matrix calls for a route: real rows where a refusal could otherwise hide behind a 404. */
  function urlFor(path: string): string {
    const id = path.startsWith('/api/v1/plans/') ? ids.plan : path.startsWith('/api/v1/agent-tokens/') ? ids.agentToken : '00000000-0000-4000-8000-000000000000';
    const name = path.startsWith('/api/v1/hosts/') ? 'tc-1' : path.startsWith('/api/v1/users/') ? 'matrix-target' : 'web';
    const values: Record<string, string> = { id: id!, name, gate: 'qa', switch: 'new-checkout', service: 'web', datacenter: 'tc' };
    return path.replace(/\{([^}]+)\}/g, (_, param: string) => values[param] ?? 'x');
  }

  async function call(operation: Operation, token: string | undefined) {
    let pending = cp.http()[operation.method](urlFor(operation.path));
    if (token) pending = pending.set('Authorization', `Bearer ${token}`);
    const response = await pending.send((BODIES[operation.id] ?? {}) as object);
    return { status: response.status, error: (response.body as { error?: unknown }).error };
  }

  it('has a decision in the table for every mutating route the API declares, and none for a route it does not', () => {
    const declared = mutating.map((operation) => operation.id).sort();
    expect({ undecided: declared.filter((id) => !(id in MAY)), stale: Object.keys(MAY).filter((id) => !declared.includes(id)) }).toEqual({ undecided: [], stale: [] });
  });

  it('refuses each role outside a route’s cell with 403 and a code, and lets each inside it through', async () => {
    const wrong: string[] = [];
    const rows: string[] = ['| route | ' + ROLES.join(' | ') + ' | no token |', '| --- |' + ' --- |'.repeat(ROLES.length + 1)];
    for (const operation of mutating) {
      const allowed = MAY[operation.id] ?? [];
      // Refusals first: a call let through may change what the next caller finds.
      const order = [...ROLES].sort((a, b) => Number(allowed.includes(a)) - Number(allowed.includes(b)));
      const cells: Record<string, string> = {};
      for (const role of order) {
        const { status, error } = await call(operation, tokens[role]);
        const may = allowed.includes(role);
        const ok = may ? status !== 401 && status !== 403 : status === 403 && typeof error === 'string' && error !== '';
        cells[role] = `${status}${ok ? '' : ' ✗'}`;
        if (!ok) wrong.push(`${operation.id} as ${role}: ${may ? 'may call it' : 'may not'}, got ${status} ${String(error ?? '')}`);
      }
      const anonymous = await call(operation, undefined);
      if (anonymous.status !== 401) wrong.push(`${operation.id} without a token: got ${anonymous.status}, expected 401`);
      rows.push(`| ${operation.id} | ${ROLES.map((role) => cells[role]).join(' | ')} | ${anonymous.status}${anonymous.status === 401 ? '' : ' ✗'} |`);
    }
    console.log(['## Role matrix (✗: not what the table says)', '', ...rows, '', `${wrong.length} wrong cells`, ...wrong].join('\n'));
    expect(wrong).toEqual([]);
  }, 120_000);
});
