import fc from 'fast-check';
import { GATES, type Gate } from '../../protocol/src/index.js';
import { allGatesApproved, decidePlan, gateStates, GATE_ROLE, type PlanAction, type PlanGateState, type Signer } from './plan-approval.js';

const AUTHOR = 'author';
const draft = (): PlanGateState => ({ status: 'draft', authorId: AUTHOR, contentHash: 'h0', revision: 1, signatures: [] });
const reviewer: Signer = { id: 'rita', roles: ['reviewer'] };
const signersFor = (gate: Gate): Signer => ({ id: `${gate}-user`, roles: [GATE_ROLE[gate]] });

describe('plan approval', () => {
  it('walks the seed process: review requested, four gates, approved', () => {
    let plan = decidePlan(draft(), { type: 'request-review', late: false });
    expect(plan.status).toBe('in_review');
    for (const gate of GATES) {
      expect(plan.status).toBe('in_review');
      plan = decidePlan(plan, { type: 'sign', gate, decision: 'approve', signer: signersFor(gate) });
    }
    expect(plan.status).toBe('approved');
    expect(decidePlan(plan, { type: 'schedule' }).status).toBe('scheduled');
  });

  it('refuses the author and users without the gate role', () => {
    const plan = decidePlan(draft(), { type: 'request-review', late: false });
    const author: Signer = { id: AUTHOR, roles: ['reviewer', 'qa', 'supervisor', 'dispatcher', 'admin'] };
    expect(() => decidePlan(plan, { type: 'sign', gate: 'qa', decision: 'approve', signer: author })).toThrow(
      expect.objectContaining({ code: 'AUTHOR_CANNOT_SIGN', kind: 'forbidden' }),
    );
    expect(() => decidePlan(plan, { type: 'sign', gate: 'code_review', decision: 'approve', signer: signersFor('qa') })).toThrow(
      expect.objectContaining({ code: 'GATE_ROLE_REQUIRED', kind: 'forbidden' }),
    );
    const admin: Signer = { id: 'root', roles: ['admin'] };
    expect(() => decidePlan(plan, { type: 'sign', gate: 'qa', decision: 'approve', signer: admin })).toThrow(
      expect.objectContaining({ code: 'GATE_ROLE_REQUIRED' }),
    );
  });

  it('marks a late review request delayed until the delay is overridden', () => {
    const late = decidePlan(draft(), { type: 'request-review', late: true });
    expect(late.status).toBe('delayed');
    expect(() => decidePlan(late, { type: 'sign', gate: 'code_review', decision: 'approve', signer: reviewer })).toThrow(
      expect.objectContaining({ code: 'INVALID_TRANSITION' }),
    );
    expect(decidePlan(late, { type: 'override-delay' }).status).toBe('in_review');
  });

  it('returns a rejected plan to draft', () => {
    const plan = decidePlan(draft(), { type: 'request-review', late: false });
    expect(decidePlan(plan, { type: 'sign', gate: 'qa', decision: 'reject', signer: signersFor('qa') }).status).toBe('draft');
  });

  it('clears every signature when an approved plan is edited', () => {
    let plan = decidePlan(draft(), { type: 'request-review', late: false });
    for (const gate of GATES) plan = decidePlan(plan, { type: 'sign', gate, decision: 'approve', signer: signersFor(gate) });
    const edited = decidePlan(plan, { type: 'edit', contentHash: 'h1' });
    expect(edited.status).toBe('in_review');
    expect(gateStates(edited)).toEqual({ code_review: 'pending', qa: 'pending', supervisor: 'pending', dispatcher: 'pending' });
    expect(decidePlan(plan, { type: 'edit', contentHash: plan.contentHash })).toBe(plan);
    // Editing back to the signed content does not bring the signatures back.
    expect(gateStates(decidePlan(edited, { type: 'edit', contentHash: plan.contentHash })).qa).toBe('pending');
  });

  describe('property: approved exactly when every gate’s latest decision on the current content is an eligible approval', () => {
    const ROLES = ['reviewer', 'qa', 'supervisor', 'dispatcher', 'engineer', 'admin'];
    const signer = fc.record({
      id: fc.constantFrom(AUTHOR, 'u1', 'u2', 'u3', 'u4'),
      roles: fc.subarray(ROLES),
    });
    const action: fc.Arbitrary<PlanAction> = fc.oneof(
      { weight: 1, arbitrary: fc.record({ type: fc.constant('request-review' as const), late: fc.boolean() }) },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('override-delay' as const) }) },
      {
        weight: 6,
        arbitrary: fc.constantFrom(...GATES).chain((gate) =>
          fc.record({
            type: fc.constant('sign' as const),
            gate: fc.constant(gate),
            decision: fc.oneof({ weight: 6, arbitrary: fc.constant('approve' as const) }, { weight: 1, arbitrary: fc.constant('reject' as const) }),
            // Mostly someone holding the gate's role (sometimes the author), sometimes anyone.
            signer: fc.oneof(
              { weight: 3, arbitrary: fc.record({ id: fc.constantFrom(AUTHOR, 'u1', 'u2', 'u3'), roles: fc.constant([GATE_ROLE[gate]]) }) },
              { weight: 1, arbitrary: signer },
            ),
          }),
        ),
      },
      { weight: 1, arbitrary: fc.record({ type: fc.constant('edit' as const), contentHash: fc.constantFrom('h0', 'h1', 'h2') }) },
    );
    const signers = new Map<string, readonly string[]>();
    /** Index of the first signature made after the last edit that changed the content. */
    let clearedAt = 0;

    /** Computed from the recorded history alone, without the code under test. */
    const oracleApproved = (plan: PlanGateState) =>
      GATES.every((gate) => {
        const latest = plan.signatures.slice(clearedAt).filter((s) => s.gate === gate).at(-1);
        const roles = latest && signers.get(`${plan.signatures.indexOf(latest)}`);
        return latest?.decision === 'approve' && latest.signerId !== AUTHOR && roles?.includes(GATE_ROLE[gate]);
      });

    it('holds over 2,000 random sequences of gate actions and edits', () => {
      let approvedStates = 0;
      fc.assert(
        fc.property(fc.array(action, { minLength: 20, maxLength: 80 }), (actions) => {
          signers.clear();
          clearedAt = 0;
          let plan = draft();
          for (const next of actions) {
            let after: PlanGateState;
            try {
              after = decidePlan(plan, next);
            } catch {
              continue; // a refused action changes nothing: `plan` is untouched
            }
            if (next.type === 'sign') signers.set(`${after.signatures.length - 1}`, next.signer.roles);
            if (next.type === 'edit' && next.contentHash !== plan.contentHash) clearedAt = after.signatures.length;
            plan = after;
            expect(plan.status === 'approved').toBe(oracleApproved(plan));
            if (plan.status === 'approved') approvedStates++;
            expect(allGatesApproved(plan)).toBe(oracleApproved(plan));
            for (const [index, roles] of signers) {
              const signature = plan.signatures[Number(index)];
              expect(signature.signerId).not.toBe(AUTHOR);
              expect(roles).toContain(GATE_ROLE[signature.gate]);
            }
          }
        }),
        { numRuns: 2000 },
      );
      // The sequences do reach approval often enough for the property to mean something.
      expect(approvedStates).toBeGreaterThan(100);
    });
  });
});
