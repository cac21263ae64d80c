// A rollout as the API and dashboards show it: where it is, each host's step, and why.
import { z } from 'zod';
import { text } from './text.js';
import { RolloutRecord } from './summary.js';

export const ROLLOUT_STATUSES = ['pending', 'running', 'paused', 'rolling_back', 'succeeded', 'failed', 'aborted', 'rolled_back'] as const;
export const RolloutStatus = z.enum(ROLLOUT_STATUSES);

export const Reason = z.object({ code: text(), message: text() });
export const IntentView = z.object({ by: text(), at: z.iso.datetime(), reason: text().optional() });

export const HostStepView = z.object({
  hostname: text(),
  /** `preview`, `ramp`, `wave tc`, `gate tc`. */
  task: text(),
  phase: z.enum(['waiting', 'running', 'done', 'failed', 'skipped']),
  /** The step in progress or next, e.g. `wave-tc:replace:web`; null when the host is done. */
  step: text().nullable(),
  attempt: z.number().int(),
  updated: z.boolean(),
  reason: Reason.nullable(),
});
export type HostStepView = z.infer<typeof HostStepView>;

export const RolloutView = RolloutRecord.extend({
  status: RolloutStatus,
  /** `preview`, `ramp`, `observe`, `batch`, `pause`, `gate`, `rollback`, `done`. */
  stage: text(),
  datacenter: text().nullable(),
  /** 1-based batch number within the datacenter, and how many it has. */
  batch: z.object({ number: z.number().int(), of: z.number().int() }).nullable(),
  waitingUntil: z.iso.datetime().nullable(),
  reason: Reason.nullable(),
  intents: z.object({ pause: IntentView.optional(), abort: IntentView.optional() }),
  /** The judgment window in progress or last concluded: the ramp, or the pause after a batch. */
  judgment: z
    .object({
      scope: text(),
      until: z.iso.datetime(),
      evaluations: z.number().int(),
      lastVerdict: z.enum(['pass', 'fail', 'inconclusive']).nullable(),
      result: z.enum(['pass', 'fail', 'inconclusive']).nullable(),
    })
    .nullable(),
  rollback: z
    .object({
      by: text(),
      at: z.iso.datetime(),
      reason: text(),
      automatic: z.boolean(),
      /** 1-based step being run, of how many the plan declares; null once done. */
      step: z.object({ number: z.number().int(), of: z.number().int(), services: z.array(text()), what: text() }).nullable(),
      groups: z.array(z.object({ name: text(), hosts: z.array(text()) })),
    })
    .nullable(),
  /** Hosts the rollout has begun (every host it touched so far), and how many of them are done. */
  hostCounts: z.object({ begun: z.number().int(), done: z.number().int() }),
  hosts: z.array(HostStepView),
  finishedAt: text().nullable(),
});
export type RolloutView = z.infer<typeof RolloutView>;

/** A rollout's view without its hosts. */
export const RolloutHeader = RolloutView.omit({ hosts: true });
export type RolloutHeader = z.infer<typeof RolloutHeader>;

/**
 * `rollout:updated`: the rollout after a decision, and only the hosts whose view that
 * decision changed (a 10,000-host rollout does not resend 10,000 hosts for one report).
 * Apply them by hostname over the hosts of the snapshot (`rollout:watch`) and the
 * events since (`withHostChanges`); a host never leaves a rollout.
 */
export const RolloutChange = z.object({ seq: z.number().int().positive(), rollout: RolloutHeader, hosts: z.array(HostStepView) });
export type RolloutChange = z.infer<typeof RolloutChange>;

/** The hosts after a change: each changed host replaces the one of its name, new ones join; in hostname order. */
export function withHostChanges(hosts: readonly HostStepView[], changed: readonly HostStepView[]): HostStepView[] {
  if (changed.length === 0) return [...hosts];
  const byName = new Map(hosts.map((host) => [host.hostname, host]));
  let joined = false;
  for (const host of changed) {
    joined ||= !byName.has(host.hostname);
    byName.set(host.hostname, host);
  }
  const merged = [...byName.values()];
  return joined ? merged.sort((a, b) => a.hostname.localeCompare(b.hostname)) : merged;
}

/**
 * Hosts that took the same step with the same outcome in one decision: sent to them, or
 * reported completed or failed by them. One event for a batch, not one per host.
 */
export const HostStepsChange = z.object({
  seq: z.number().int().positive(),
  rolloutId: text(),
  step: text(),
  status: z.enum(['sent', 'completed', 'failed']),
  attempt: z.number().int(),
  reason: Reason.nullable(),
  hostnames: z.array(text()).min(1),
});
export type HostStepsChange = z.infer<typeof HostStepsChange>;

/** A group of hosts in one line: all of them when few, else the first few and how many more. */
export function hostList(hostnames: readonly string[], shown = 5): string {
  if (hostnames.length <= shown) return hostnames.join(', ');
  return `${hostnames.slice(0, shown).join(', ')} and ${(hostnames.length - shown).toLocaleString('en-US')} more`;
}

/** The dry run: the units a plan's rollout would go through, with the hosts of each. */
export const RolloutPreview = z.object({
  previewHosts: z.array(text()),
  rampSeconds: z.number(),
  waves: z.array(z.object({ datacenter: text(), batches: z.array(z.array(text())) })),
  checksBetweenDatacenters: z.number().int(),
});
export type RolloutPreview = z.infer<typeof RolloutPreview>;

/** Dashboard -> control plane: the snapshot of one rollout, acked as `{ seq, rollout }`. */
export const RolloutWatchEvent = 'rollout:watch';
/** Every event a dashboard may send; anything else is refused with EVENT_UNKNOWN. */
export const DASHBOARD_CLIENT_EVENTS: readonly string[] = [RolloutWatchEvent];
export const RolloutWatch = z.strictObject({ rolloutId: z.uuid() });
export const RolloutWatchAck = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.object({ seq: z.number().int().nonnegative(), rollout: RolloutView }) }),
  z.object({ ok: z.literal(false), code: text(), message: text() }),
]);

/** `POST /api/v1/rollouts/:id/rollback`. */
export const RollbackRequest = z.strictObject({
  reason: text().trim().min(1, 'say why the rollout is rolled back').max(2000),
  /** Required when the plan declares its data not forward-compatible: going back may lose data. */
  confirmDataLoss: z.boolean().default(false),
});
export type RollbackRequest = z.infer<typeof RollbackRequest>;

const JudgmentFigures = z.object({
  newRequests: z.number(),
  oldRequests: z.number(),
  newErrorRatio: z.number(),
  oldErrorRatio: z.number(),
  new5xxRatio: z.number(),
  old5xxRatio: z.number(),
  newHealthFailures: z.number(),
  newRestarts: z.number(),
});

/** `GET /api/v1/rollouts/:id/analysis`: every evaluation with its figures, and the signals behind them. */
export const RolloutAnalysis = z.object({
  rolloutId: text(),
  thresholds: z.record(text(), z.number()).nullable(),
  releases: z.array(z.object({ service: text(), release: text() })),
  judgments: z.array(
    z.object({
      scope: text(),
      at: z.iso.datetime(),
      verdict: z.enum(['pass', 'fail', 'inconclusive']),
      conclusion: z.enum(['pass', 'fail', 'inconclusive']).nullable(),
      reasons: z.array(text()),
      figures: JudgmentFigures,
    }),
  ),
  /** Signals since the rollout started, per service, release and datacenter; `new` marks this rollout's releases. */
  signals: z.array(
    z.object({
      service: text(),
      release: text(),
      datacenter: text(),
      new: z.boolean(),
      hosts: z.number().int(),
      requests: z.number(),
      status5xx: z.number(),
      errorLines: z.number(),
      healthFailures: z.number(),
      restarts: z.number(),
      meanLatencyMs: z.number().nullable(),
      meanCpuPercent: z.number().nullable(),
      maxMemoryBytes: z.number().nullable(),
    }),
  ),
});
export type RolloutAnalysis = z.infer<typeof RolloutAnalysis>;
