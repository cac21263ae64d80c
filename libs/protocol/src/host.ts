// Host facts as an agent reports them and as the control plane shows them.
import { z } from 'zod';
import { boundedRecord } from './record.js';
import { text } from './text.js';

export const HOSTNAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?$/;
export const Hostname = text().regex(HOSTNAME_PATTERN, 'must be a hostname (letters, digits, dots, dashes)');
export const DatacenterName = text()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');
export const MAX_LABELS = 100;
export const Labels = boundedRecord(
  text().regex(/^[a-zA-Z0-9][a-zA-Z0-9._/-]{0,62}$/, 'label key must be letters, digits, . _ / -'),
  text().max(255),
  MAX_LABELS,
  'labels',
);

export const ENGINE_STATUSES = ['reachable', 'unreachable'] as const;
export const EngineStatus = z.enum(ENGINE_STATUSES);
export type EngineStatus = z.infer<typeof EngineStatus>;

export const EngineFacts = z.object({
  name: text().min(1).max(100),
  version: text().min(1).max(100),
  apiVersion: text().min(1).max(20),
  status: EngineStatus,
});
export type EngineFacts = z.infer<typeof EngineFacts>;

/** Labels on every container Tarmac manages, and the host it belongs to (one engine may serve several). */
export const MANAGED_LABEL = 'tarmac.managed';
export const HOST_LABEL = 'tarmac.host';

export const ManagedContainer = z.object({
  id: text().min(1).max(128),
  name: text().min(1).max(255),
  image: text().min(1).max(512),
  state: text().min(1).max(50),
});
export type ManagedContainer = z.infer<typeof ManagedContainer>;

export const HOST_STATUSES = ['online', 'unreachable', 'offline'] as const;
export const HostStatus = z.enum(HOST_STATUSES);
export type HostStatus = z.infer<typeof HostStatus>;

/** Preview hosts carry no user traffic until the ramp; production hosts take the waves. */
export const HOST_POOLS = ['preview', 'production'] as const;
export const HostPool = z.enum(HOST_POOLS);
export type HostPool = z.infer<typeof HostPool>;

/** A host as the API and the dashboards show it. */
export const HostView = z.object({
  hostname: Hostname,
  datacenter: DatacenterName,
  pool: HostPool,
  labels: Labels,
  status: HostStatus,
  connected: z.boolean(),
  agentVersion: text(),
  engine: EngineFacts,
  containers: z.array(ManagedContainer),
  lastHeartbeatAt: z.iso.datetime(),
  registeredAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type HostView = z.infer<typeof HostView>;
