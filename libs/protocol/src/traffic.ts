// Datacenter traffic shifts over HTTP: the change an operator asks for, and what the
// control plane answers for each datacenter of a service. Shared by the API and the CLI.
import { z } from 'zod';
import { text } from './text.js';

/** `PUT /api/v1/services/:service/traffic/:datacenter`. */
export const DatacenterTrafficChange = z.strictObject({
  serving: z.boolean(),
  /** Why: kept on the datacenter's entry and in the audit log. */
  reason: text().trim().min(1, 'must say why').max(1000),
});
export type DatacenterTrafficChange = z.infer<typeof DatacenterTrafficChange>;

/** One datacenter that has hosts. Never changed: serving, with no reason, author or time. */
export interface DatacenterTrafficView {
  service: string;
  datacenter: string;
  serving: boolean;
  reason: string | null;
  changedBy: string | null;
  changedAt: string | null;
  /** The datacenter's hosts, whose /lb/<service> follows `serving`. */
  hosts: string[];
}

/** A change's answer: the entry after it, and whether anything changed (false: it already was so). */
export interface DatacenterTrafficResult extends DatacenterTrafficView {
  changed: boolean;
}
