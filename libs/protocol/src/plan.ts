// Launch plans as the API, the CLI and plan files speak them. Structure only: checks
// that need the fleet (unknown service, empty datacenter, ...) live in libs/domain.
import { z } from 'zod';
import { safeText, text } from './text.js';
import { DatacenterName, Hostname } from './host.js';

export const GATES = ['code_review', 'qa', 'supervisor', 'dispatcher'] as const;
export const Gate = z.enum(GATES);
export type Gate = z.infer<typeof Gate>;

export const PLAN_STATUSES = ['draft', 'in_review', 'delayed', 'approved', 'scheduled', 'started', 'cancelled'] as const;
export const PlanStatus = z.enum(PLAN_STATUSES);
export type PlanStatus = z.infer<typeof PlanStatus>;

const ServiceRef = text().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a service name');
const RoleRef = text().regex(/^[a-z][a-z0-9-]{0,30}$/, 'must be a role name such as frontend or processor');
/** An image tag (`1.4.2`) or digest (`sha256:<64 hex>`), applied to the service's repository. */
export const ImageVersion = text()
  .regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, 'must be an image tag (e.g. 1.4.2) or a digest (sha256:<64 hex digits>)');

const unique = <T>(items: T[]) => new Set(items).size === items.length;

export const Release = z.strictObject({
  service: ServiceRef,
  image: ImageVersion,
  configVersion: z.number().int().positive().max(2_147_483_647).optional(),
});

export const PreviewCheck = z.strictObject({
  name: text().min(1).max(100),
  type: z.literal('http'),
  path: text().startsWith('/', 'must start with /').max(2000),
  /** Port on the preview host; defaults to the service's health-check port. */
  port: z.number().int().min(1).max(65535).optional(),
  expectStatus: z.number().int().min(100).max(599).default(200),
  bodyContains: text().max(1000).optional(),
});

export type PreviewCheck = z.infer<typeof PreviewCheck>;

export const PreviewHosts = z.union([
  z.strictObject({ count: z.number().int().min(1) }),
  z.strictObject({ names: z.array(Hostname).min(1).refine(unique, 'host names must be unique') }),
]);

export const JudgmentThresholds = z.strictObject({
  maxErrorRatio: z.number().min(0).max(1).default(0.01),
  max5xxRatio: z.number().min(0).max(1).default(0.01),
  maxHealthFailures: z.number().int().min(0).default(0),
  maxRestarts: z.number().int().min(0).default(0),
  minSamples: z.number().int().min(1).default(100),
  consecutiveFailures: z.number().int().min(1).default(3),
});

export const BatchPolicy = z.strictObject({
  size: z.union([
    z.strictObject({ count: z.number().int() }),
    z.strictObject({ percent: z.number().gt(0, 'must be more than 0').max(100) }),
  ]),
  minHealthyPercent: z.number().min(0).max(100).default(75),
  pauseSeconds: z.number().int().min(0).max(86_400).default(0),
});

export const ROLLBACK_PARTS = ['config', 'code', 'both'] as const;
export const RollbackStep = z
  .strictObject({
    services: z.array(ServiceRef).min(1).optional(),
    roles: z.array(RoleRef).min(1).optional(),
    /** What this step rolls back: the config files, the image, or both. */
    what: z.enum(ROLLBACK_PARTS),
    /**
     * Moves each datacenter's traffic for the step's services to the others (a
     * datacenter-scope drain of all its hosts) while its hosts go back, and restores it
     * after. Skipped where no other datacenter would serve.
     */
    shiftTraffic: z.boolean().default(false),
  })
  .refine((step) => step.services !== undefined || step.roles !== undefined, 'a step names services or roles');

export const PlanSpec = z.strictObject({
  title: text().trim().min(1).max(200),
  requirementSource: text().trim().min(1).max(500),
  description: text().trim().min(1).max(20_000),
  modules: z.array(text().trim().min(1).max(200)).min(1),
  designLink: z.url().check(safeText).optional(),
  releases: z
    .array(Release)
    .min(1)
    .refine((releases) => unique(releases.map((r) => r.service)), 'each service may be released once per plan'),
  targetDatacenters: z.array(DatacenterName).min(1).refine(unique, 'datacenters must be unique'),
  preview: z.strictObject({ hosts: PreviewHosts, checks: z.array(PreviewCheck).default([]) }),
  ramp: z.strictObject({
    durationSeconds: z.number().int().min(0).max(86_400),
    thresholds: JudgmentThresholds.default(JudgmentThresholds.parse({})),
  }),
  batch: BatchPolicy,
  autoRollback: z.boolean(),
  /** A host unreachable during its step is skipped and recorded instead of failing the batch. */
  skipUnreachable: z.boolean().default(false),
  rollback: z.strictObject({
    steps: z.array(RollbackStep).min(1),
    dataCompatibility: z.strictObject({ forwardCompatible: z.boolean(), note: text().trim().min(1).max(5000) }),
  }),
  switches: z.array(z.strictObject({ name: text().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/), description: text().max(500).optional() })).default([]),
  plannedLaunchAt: z.iso.datetime({ offset: true }),
});
export type PlanSpec = z.infer<typeof PlanSpec>;
/** A plan as written in a request or a file, before defaults are applied. */
export type PlanSpecInput = z.input<typeof PlanSpec>;

export const GateDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: text().trim().max(5000).default(''),
});
export type GateDecisionBody = z.infer<typeof GateDecisionBody>;

export interface GateSignatureView {
  gate: Gate;
  decision: 'approve' | 'reject';
  comment: string;
  signedBy: string;
  contentHash: string;
  signedAt: string;
  /** Whether it counts: on the plan's current content hash and the latest for its gate. */
  current: boolean;
}

export interface PlanView {
  id: string;
  title: string;
  author: string;
  status: PlanStatus;
  contentHash: string;
  revision: number;
  plannedLaunchAt: string;
  reviewRequestedAt: string | null;
  reviewCutoff: string;
  delayOverride: { by: string; reason: string; at: string } | null;
  rejection: { gate: Gate; by: string; comment: string; at: string } | null;
  gates: Record<Gate, 'approved' | 'rejected' | 'pending'>;
  signatures: GateSignatureView[];
  spec: PlanSpec;
  createdAt: string;
  updatedAt: string;
}
