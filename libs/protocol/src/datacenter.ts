// Datacenters (the waves of a rollout, in `rolloutOrder`) and the operator's placement
// of a host: which datacenter it belongs to and whether it is in the preview pool.
import { z } from 'zod';
import { text } from './text.js';
import { DatacenterName, HostPool } from './host.js';

/** The body of `POST /api/v1/datacenters`. */
export const CreateDatacenter = z.strictObject({
  name: DatacenterName,
  rolloutOrder: z.number().int().min(0).max(1_000_000),
  description: text().max(500).default(''),
});
export type CreateDatacenter = z.infer<typeof CreateDatacenter>;

export const DatacenterView = z.object({
  name: DatacenterName,
  rolloutOrder: z.number().int(),
  description: text(),
  createdAt: z.iso.datetime(),
  /** How many hosts it has in each pool. */
  hosts: z.object({ preview: z.number().int(), production: z.number().int() }),
});
export type DatacenterView = z.infer<typeof DatacenterView>;

/**
 * The body of `PUT /api/v1/hosts/:name`. An assigned datacenter wins over the one the
 * agent reports from then on.
 */
export const HostAssignment = z
  .strictObject({ datacenter: DatacenterName.optional(), pool: HostPool.optional() })
  .refine((body) => body.datacenter !== undefined || body.pool !== undefined, 'must set datacenter, pool or both');
export type HostAssignment = z.infer<typeof HostAssignment>;
