// The replace decision, on made-up containers.
import type { ServiceContainer } from '../container-engine.js';
import { planReplace } from './replace-plan.js';

const NAME = 'h1-web-r9';
function container(name: string, createdAt: number, running: boolean, specHash = 'hash-a'): ServiceContainer {
  return { id: `id-${name}`, name, image: 'img', running, createdAt, labels: { 'tarmac.spec-hash': specHash } };
}
const names = (containers: ServiceContainer[]) => containers.map((c) => c.name);

describe('planReplace', () => {
  it('first release: nothing to reuse, stop or prune', () => {
    expect(planReplace([], { name: NAME, specHash: 'hash-a', keepStopped: 2 })).toEqual({
      kind: 'replace', reuse: null, removeStale: null, stop: [], prune: [], previous: null,
    });
  });

  it('stops the running one and prunes the oldest stopped beyond keepStopped', () => {
    const existing = [container('r1', 1, false), container('r2', 2, false), container('r3', 3, false), container('r4', 4, true)];
    const plan = planReplace(existing, { name: NAME, specHash: 'hash-a', keepStopped: 2 });
    expect(plan).toMatchObject({ kind: 'replace', reuse: null, previous: existing[3] });
    if (plan.kind !== 'replace') throw new Error();
    expect(names(plan.stop)).toEqual(['r4']);
    expect(names(plan.prune)).toEqual(['r1', 'r2']);
  });

  it('never prunes the just-stopped one, even with keepStopped 0', () => {
    const plan = planReplace([container('r1', 1, false), container('r2', 2, true)], { name: NAME, specHash: 'hash-a', keepStopped: 0 });
    if (plan.kind !== 'replace') throw new Error();
    expect(names(plan.stop)).toEqual(['r2']);
    expect(names(plan.prune)).toEqual(['r1']);
  });

  it('on a repeat reuses the release container and keeps the one it replaced as previous', () => {
    const existing = [container('r1', 1, false), container('r2', 2, false), container(NAME, 3, true)];
    const plan = planReplace(existing, { name: NAME, specHash: 'hash-a', keepStopped: 1 });
    expect(plan).toMatchObject({ kind: 'replace', reuse: existing[2], stop: [], previous: existing[1] });
    if (plan.kind !== 'replace') throw new Error();
    expect(names(plan.prune)).toEqual(['r1']);
  });

  it('removes a stopped container of the release made from another spec, refuses a running one', () => {
    const stale = container(NAME, 1, false, 'hash-old');
    expect(planReplace([stale], { name: NAME, specHash: 'hash-a', keepStopped: 2 })).toMatchObject({ reuse: null, removeStale: stale, prune: [] });
    expect(planReplace([{ ...stale, running: true }], { name: NAME, specHash: 'hash-a', keepStopped: 2 })).toEqual({
      kind: 'conflict',
      message: `container ${NAME} is running with another spec for this release; a changed spec needs a new release name`,
    });
  });
});
