// A launch plan's way through its gates, as a pure state machine: which actions are
// allowed in which state, who may sign which gate, and when a plan is approved.
import { GATES, type Gate, type PlanStatus } from '../../protocol/src/index.js';
import { Conflict, DomainError } from './errors.js';

/** The role a user needs to sign each gate. */
export const GATE_ROLE: Record<Gate, string> = {
  code_review: 'reviewer',
  qa: 'qa',
  supervisor: 'supervisor',
  dispatcher: 'dispatcher',
};

export interface Signer {
  id: string;
  roles: readonly string[];
}

export interface Signature {
  gate: Gate;
  decision: 'approve' | 'reject';
  signerId: string;
  /** What was signed: the plan's content hash and revision at that moment. */
  contentHash: string;
  revision: number;
}

export interface PlanGateState {
  status: PlanStatus;
  authorId: string;
  contentHash: string;
  /** Grows with every edit that changes the content, so an edit back to earlier content
   * does not bring the signatures of that content back. */
  revision: number;
  /** Every signature ever made, oldest first. */
  signatures: Signature[];
}

export type PlanAction =
  | { type: 'request-review'; late: boolean }
  | { type: 'override-delay' }
  | { type: 'sign'; gate: Gate; decision: 'approve' | 'reject'; signer: Signer }
  | { type: 'edit'; contentHash: string }
  | { type: 'schedule' }
  | { type: 'start' };

export type GateState = 'approved' | 'rejected' | 'pending';

const EDITABLE: readonly PlanStatus[] = ['draft', 'in_review', 'delayed', 'approved'];
/** A plan starts from here: by the scheduler at its window, or by hand. */
export const STARTABLE_PLAN_STATUSES: readonly PlanStatus[] = ['approved', 'scheduled'];
const SIGNABLE: readonly PlanStatus[] = ['in_review', 'approved'];

type Signed = Pick<PlanGateState, 'contentHash' | 'revision' | 'signatures'>;

/** Whether a signature counts: made on the current content, since the last edit. */
export const isCurrentSignature = (state: Signed, signature: Signature): boolean =>
  signature.contentHash === state.contentHash && signature.revision === state.revision;

/** Each gate's latest decision on the current content; earlier content does not count. */
export function gateStates(state: Signed): Record<Gate, GateState> {
  const result = Object.fromEntries(GATES.map((gate) => [gate, 'pending'])) as Record<Gate, GateState>;
  for (const signature of state.signatures) {
    if (!isCurrentSignature(state, signature)) continue;
    result[signature.gate] = signature.decision === 'approve' ? 'approved' : 'rejected';
  }
  return result;
}

export function allGatesApproved(state: Signed): boolean {
  return Object.values(gateStates(state)).every((gate) => gate === 'approved');
}

/** Why this signer may not sign this gate of this plan, or undefined when they may. */
export function signingRefusal(gate: Gate, signer: Signer, authorId: string): DomainError | undefined {
  if (signer.id === authorId) {
    return new DomainError('forbidden', 'AUTHOR_CANNOT_SIGN', 'the author of a plan never signs its gates');
  }
  if (!signer.roles.includes(GATE_ROLE[gate])) {
    return new DomainError('forbidden', 'GATE_ROLE_REQUIRED', `the ${gate} gate needs the role ${GATE_ROLE[gate]}`);
  }
  return undefined;
}

/** The plan after an action, or the error that refuses it. Never both. */
export function decidePlan(state: PlanGateState, action: PlanAction): PlanGateState {
  switch (action.type) {
    case 'request-review':
      requireStatus(state, ['draft'], 'request a review');
      return { ...state, status: action.late ? 'delayed' : 'in_review' };
    case 'override-delay':
      requireStatus(state, ['delayed'], 'override the delay');
      return { ...state, status: 'in_review' };
    case 'sign': {
      const refusal = signingRefusal(action.gate, action.signer, state.authorId);
      if (refusal) throw refusal;
      requireStatus(state, SIGNABLE, 'sign a gate');
      const signatures = [
        ...state.signatures,
        {
          gate: action.gate,
          decision: action.decision,
          signerId: action.signer.id,
          contentHash: state.contentHash,
          revision: state.revision,
        },
      ];
      if (action.decision === 'reject') return { ...state, signatures, status: 'draft' };
      const next = { ...state, signatures };
      return { ...next, status: allGatesApproved(next) ? 'approved' : 'in_review' };
    }
    case 'edit':
      requireStatus(state, EDITABLE, 'edit');
      if (action.contentHash === state.contentHash) return state;
      // Signatures stay in the history but cover the old content: none counts any more.
      return {
        ...state,
        contentHash: action.contentHash,
        revision: state.revision + 1,
        status: state.status === 'approved' ? 'in_review' : state.status,
      };
    case 'schedule':
      requireStatus(state, ['approved'], 'schedule');
      return { ...state, status: 'scheduled' };
    case 'start':
      requireStatus(state, STARTABLE_PLAN_STATUSES, 'start');
      return { ...state, status: 'started' };
  }
}

function requireStatus(state: PlanGateState, allowed: readonly PlanStatus[], what: string): void {
  if (!allowed.includes(state.status)) {
    throw new Conflict('INVALID_TRANSITION', `cannot ${what} a plan that is ${state.status} (allowed: ${allowed.join(', ')})`);
  }
}
