// How a plan is shown: the API's full view and the dashboards' summary.
import { gateStates, isCurrentSignature, reviewCutoff } from '../../../../libs/domain/src/index.js';
import type { PlanSummaryView, PlanView } from '../../../../libs/protocol/src/index.js';
import type { PlanRecord, SignatureRecord } from './plan.repository.js';

export function toPlanView(
  plan: PlanRecord,
  signatures: SignatureRecord[],
  cutoff: { hour: number; timeZone: string },
): PlanView {
  const state = { contentHash: plan.contentHash, revision: plan.revision, signatures };
  return {
    id: plan.id,
    title: plan.title,
    author: plan.authorName,
    status: plan.status,
    contentHash: plan.contentHash,
    revision: plan.revision,
    plannedLaunchAt: plan.plannedLaunchAt.toISOString(),
    reviewRequestedAt: plan.reviewRequestedAt?.toISOString() ?? null,
    reviewCutoff: reviewCutoff(plan.plannedLaunchAt, cutoff.hour, cutoff.timeZone).toISOString(),
    delayOverride: plan.delayOverride,
    rejection: plan.rejection,
    gates: gateStates(state),
    signatures: signatures.map((signature) => ({
      gate: signature.gate,
      decision: signature.decision,
      comment: signature.comment,
      signedBy: signature.signerName,
      contentHash: signature.contentHash,
      signedAt: signature.signedAt.toISOString(),
      current: isCurrentSignature(state, signature),
    })),
    spec: plan.spec,
    createdAt: plan.createdAt.toISOString(),
    updatedAt: plan.updatedAt.toISOString(),
  };
}

export function toPlanSummary(view: PlanView): PlanSummaryView {
  const { id, title, author, status, revision, contentHash, plannedLaunchAt, gates } = view;
  return { id, title, author, status, revision, contentHash, plannedLaunchAt, gates };
}
