// Dashboard events for the hosts' steps: the hosts of one decision that took the same
// step with the same outcome go in one `host:steps` event, so a batch of 10,000 hosts is
// one event rather than 10,000.
import { DashboardEvent, type HostStepsChange } from '../../../../libs/protocol/src/index.js';

/** One host's step in a decision: sent to it, or reported by it. */
export type HostStepOutcome = Omit<HostStepsChange, 'seq' | 'hostnames'> & { hostname: string };

export function hostStepsEvents(outcomes: readonly HostStepOutcome[]): { type: string; payload: Omit<HostStepsChange, 'seq'> }[] {
  const groups = new Map<string, { outcome: HostStepOutcome; hostnames: string[] }>();
  for (const outcome of outcomes) {
    const key = JSON.stringify([outcome.rolloutId, outcome.step, outcome.status, outcome.attempt, outcome.reason?.code, outcome.reason?.message]);
    const group = groups.get(key);
    if (group) group.hostnames.push(outcome.hostname);
    else groups.set(key, { outcome, hostnames: [outcome.hostname] });
  }
  return [...groups.values()].map(({ outcome: { hostname: _first, ...change }, hostnames }) => ({
    type: DashboardEvent.HostSteps,
    payload: { ...change, hostnames },
  }));
}
