// The /dashboard namespace: what a subscriber receives. Every event carries the
// sequence number of the change it reports; a snapshot carries the sequence it is at.
import { z } from 'zod';
import { text } from './text.js';
import { HostView } from './host.js';
import { Gate, PlanStatus } from './plan.js';
import { HostStepsChange, RolloutChange } from './rollout.js';
import { PlanScheduled, PlanStarted, SummaryChange } from './summary.js';

export const DASHBOARD_NAMESPACE = '/dashboard';

export const DashboardHandshake = z.object({
  token: text().min(1, 'token is required'),
  /** The last sequence number the client saw; missed events are replayed from it. */
  sinceSeq: z.number().int().nonnegative().optional(),
});
export type DashboardHandshake = z.infer<typeof DashboardHandshake>;

export const DashboardRefusal = {
  HandshakeInvalid: 'HANDSHAKE_INVALID',
  ApiTokenInvalid: 'API_TOKEN_INVALID',
  Unavailable: 'UNAVAILABLE',
  /** A browser page from an origin not in TARMAC_DASHBOARD_ORIGINS (and not the control plane's own). */
  OriginNotAllowed: 'ORIGIN_NOT_ALLOWED',
} as const;

export const HostsSnapshot = z.object({ seq: z.number().int().nonnegative(), hosts: z.array(HostView) });
export type HostsSnapshot = z.infer<typeof HostsSnapshot>;

export const HostChange = z.object({ seq: z.number().int().positive(), host: HostView });
export type HostChange = z.infer<typeof HostChange>;

/** What dashboards see of a plan: enough to list it and its gates. */
export const PlanSummaryView = z.object({
  id: z.uuid(),
  title: text(),
  author: text(),
  status: PlanStatus,
  revision: z.number().int(),
  contentHash: text(),
  plannedLaunchAt: z.iso.datetime(),
  gates: z.record(Gate, z.enum(['approved', 'rejected', 'pending'])),
});
export type PlanSummaryView = z.infer<typeof PlanSummaryView>;

export const PlanChange = z.object({ seq: z.number().int().positive(), plan: PlanSummaryView });
export type PlanChange = z.infer<typeof PlanChange>;

export const DashboardEvent = {
  HostsSnapshot: 'hosts:snapshot',
  HostConnected: 'host:connected',
  HostUpdated: 'host:updated',
  HostDisconnected: 'host:disconnected',
  SummaryCreated: 'summary:created',
  SummaryPublished: 'summary:published',
  PlanScheduled: 'plan:scheduled',
  PlanStarted: 'plan:started',
  PlanCreated: 'plan:created',
  PlanUpdated: 'plan:updated',
  RolloutUpdated: 'rollout:updated',
  HostSteps: 'host:steps',
} as const;

export type HostChangeEventName =
  | typeof DashboardEvent.HostConnected
  | typeof DashboardEvent.HostUpdated
  | typeof DashboardEvent.HostDisconnected;

export interface ServerToDashboardEvents {
  'hosts:snapshot': (payload: HostsSnapshot) => void;
  'host:connected': (payload: HostChange) => void;
  'host:updated': (payload: HostChange) => void;
  'host:disconnected': (payload: HostChange) => void;
  'summary:created': (payload: SummaryChange) => void;
  'summary:published': (payload: SummaryChange) => void;
  'plan:scheduled': (payload: PlanScheduled) => void;
  'plan:started': (payload: PlanStarted) => void;
  'plan:created': (payload: PlanChange) => void;
  'plan:updated': (payload: PlanChange) => void;
  'rollout:updated': (payload: RolloutChange) => void;
  'host:steps': (payload: HostStepsChange) => void;
}

/**
 * Server -> dashboard: the live events after the snapshot (or replayed after `sinceSeq`),
 * in sequence order, several to a frame: whatever the publisher read at once. One frame
 * for a burst instead of one per event keeps a busy fleet from costing a socket write per
 * event per subscriber. Each entry is one of the events of DashboardEventSchemas.
 */
export const DASHBOARD_EVENTS = 'events';
export const DashboardEventBatch = z.object({ events: z.array(z.object({ type: text(), payload: z.unknown() })) });
export type DashboardEventBatch = z.infer<typeof DashboardEventBatch>;

/** Unpacks each `events` frame a socket receives and hands every event, in order, to its handler (unknown types are skipped). */
export function onDashboardEvents(
  socket: { on(event: string, listener: (payload: unknown) => void): unknown },
  handlers: Partial<Record<string, (payload: unknown) => void>>,
  onInvalid: (error: z.ZodError) => void = () => undefined,
): void {
  socket.on(DASHBOARD_EVENTS, (frame: unknown) => {
    const batch = DashboardEventBatch.safeParse(frame);
    if (!batch.success) return onInvalid(batch.error);
    for (const event of batch.data.events) handlers[event.type]?.(event.payload);
  });
}

/** The payload schema of each dashboard event, for clients that parse what they get. */
export const DashboardEventSchemas = {
  'hosts:snapshot': HostsSnapshot,
  'host:connected': HostChange,
  'host:updated': HostChange,
  'host:disconnected': HostChange,
  'summary:created': SummaryChange,
  'summary:published': SummaryChange,
  'plan:scheduled': PlanScheduled,
  'plan:started': PlanStarted,
  'plan:created': PlanChange,
  'plan:updated': PlanChange,
  'rollout:updated': RolloutChange,
  'host:steps': HostStepsChange,
} as const;
