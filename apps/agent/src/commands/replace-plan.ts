// What a container:replace does to the containers a service already has on this host,
// decided from one look at them and with no I/O, so a repeat of the same command (the
// agent died half-way) decides to do only what is left.
import type { ServiceContainer } from '../container-engine.js';
import { SPEC_HASH_LABEL } from '../container-engine.js';

export interface ReplaceTarget {
  /** `<hostname>-<service>-<release>`. */
  name: string;
  specHash: string;
  keepStopped: number;
}

export type ReplacePlan =
  | { kind: 'conflict'; message: string }
  | {
      kind: 'replace';
      /** The release's container from an earlier run (or kept for rollback), made from the same spec. */
      reuse: ServiceContainer | null;
      /** A stopped container with the release's name from another spec: removed, then created afresh. */
      removeStale: ServiceContainer | null;
      /** Running containers of the service besides the new one: stopped once the new one exists. */
      stop: ServiceContainer[];
      /** Stopped containers beyond keepStopped, oldest first; never the new, the stopped or the previous one. */
      prune: ServiceContainer[];
      /** What served before: the newest of `stop`, or on a repeat the newest stopped one. */
      previous: ServiceContainer | null;
    };

export function planReplace(existing: readonly ServiceContainer[], target: ReplaceTarget): ReplacePlan {
  const named = existing.find((c) => c.name === target.name) ?? null;
  const sameSpec = named !== null && named.labels[SPEC_HASH_LABEL] === target.specHash;
  if (named && !sameSpec && named.running) {
    return {
      kind: 'conflict',
      message: `container ${target.name} is running with another spec for this release; a changed spec needs a new release name`,
    };
  }
  const reuse = sameSpec ? named : null;
  const removeStale = sameSpec ? null : named;
  const others = newestFirst(existing.filter((c) => c !== named));
  const stop = others.filter((c) => c.running);
  const stopped = others.filter((c) => !c.running);
  const previous = stop[0] ?? stopped[0] ?? null;
  const keep = Math.max(0, target.keepStopped - stop.length);
  const prune = stopped
    .filter((c) => c !== previous)
    .slice(Math.max(0, keep - (previous && !previous.running ? 1 : 0)))
    .reverse();
  return { kind: 'replace', reuse, removeStale, stop, prune, previous };
}

function newestFirst(containers: ServiceContainer[]): ServiceContainer[] {
  return [...containers].sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name));
}
