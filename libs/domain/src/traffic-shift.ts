// Datacenter traffic shifts: an operator drains a service's traffic off a whole
// datacenter (every host's /lb/<service> reports drained) and restores it later. The one
// rule: a service keeps at least one serving datacenter that has hosts, so a shift can
// move traffic but never take the service down.
import { Conflict } from './errors.js';

/** One datacenter as the rule sees it: whether it serves the service, and how many hosts it has. */
export interface DatacenterTrafficFacts {
  datacenter: string;
  serving: boolean;
  hosts: number;
}

export interface TrafficShiftRequest {
  datacenter: string;
  serving: boolean;
}

/** `unchanged`: the datacenter already is so (nothing to write or send); `shift`: do it. */
export type TrafficShiftDecision = 'unchanged' | 'shift';

export class LastServingDatacenter extends Conflict {
  constructor(
    readonly service: string,
    readonly datacenter: string,
  ) {
    super(
      'LAST_SERVING_DATACENTER',
      `draining ${datacenter} would leave ${service} with no serving datacenter that has hosts; restore another datacenter of ${service} first`,
    );
  }
}

/** Whether the service still has a serving datacenter with hosts once `datacenter` is drained. */
export function mayDrainDatacenter(datacenters: readonly DatacenterTrafficFacts[], datacenter: string): boolean {
  return datacenters.some((d) => d.datacenter !== datacenter && d.serving && d.hosts > 0);
}

/**
 * What a requested change does. A restore is always allowed; a drain only while another
 * datacenter with hosts keeps serving (LastServingDatacenter otherwise). Asking for the
 * state a datacenter already has is `unchanged`, never refused.
 */
export function decideTrafficShift(service: string, datacenters: readonly DatacenterTrafficFacts[], request: TrafficShiftRequest): TrafficShiftDecision {
  const current = datacenters.find((d) => d.datacenter === request.datacenter);
  // A datacenter never changed serves: absent from the facts means serving.
  if ((current?.serving ?? true) === request.serving) return 'unchanged';
  if (!request.serving && !mayDrainDatacenter(datacenters, request.datacenter)) throw new LastServingDatacenter(service, request.datacenter);
  return 'shift';
}
