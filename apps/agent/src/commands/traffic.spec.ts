// traffic:drain / traffic:restore, the LB endpoint that shows them, the host's hook, and
// the two scopes (a rollout's `host`, an operator's `datacenter`) that each hold a drain.
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrafficScope } from '../../../../libs/protocol/src/index.js';
import { startLbServer, type LbServer } from '../lb-server.js';
import { removeDir, testStateDir } from '../testing/test-runner.js';
import { TrafficState } from '../traffic-state.js';
import { runTrafficDrain, runTrafficRestore, type TrafficContext } from './traffic.js';
import { CommandFailure } from './command-failure.js';

let stateDir: string;
let lb: LbServer | undefined;

beforeEach(async () => {
  stateDir = await testStateDir();
});
afterEach(async () => {
  await lb?.close();
  lb = undefined;
  await removeDir(stateDir);
});

async function lbStatus(service: string): Promise<[number, string]> {
  const response = await fetch(`http://127.0.0.1:${lb!.port}/lb/${service}`);
  return [response.status, (await response.text()).trim()];
}

function context(traffic: TrafficState, hook?: string): TrafficContext & { progress: (m: string) => void } {
  return { traffic, hook, progress: () => undefined, signal: new AbortController().signal };
}

const drain = (service: string, scope: TrafficScope, waitMs = 0) => ({ type: 'traffic:drain' as const, service, scope, waitMs });
const restore = (service: string, scope: TrafficScope) => ({ type: 'traffic:restore' as const, service, scope });

/** A hook that appends `<service> <status>` to a file per call. */
async function recordingHook(): Promise<{ hook: string; calls: () => Promise<string[]> }> {
  const hook = join(stateDir, 'hook.sh');
  const file = join(stateDir, 'calls');
  await writeFile(hook, `#!/bin/sh\necho "$1 $2" >> '${file}'\n`);
  await chmod(hook, 0o755);
  return { hook, calls: async () => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean) };
}

describe('traffic commands and the LB endpoint', () => {
  it('answers 200 serving, 503 once drained, 200 after restore; unknown services serve', async () => {
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    expect(await lbStatus('web')).toEqual([200, 'serving']);

    const started = performance.now();
    expect(await runTrafficDrain(drain('web', 'host', 300), context(traffic))).toEqual({ state: 'drained', drainedBy: 'host' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    expect(await lbStatus('api')).toEqual([200, 'serving']);

    expect(await runTrafficRestore(restore('web', 'host'), context(traffic))).toEqual({ state: 'serving' });
    expect(await lbStatus('web')).toEqual([200, 'serving']);
    expect((await fetch(`http://127.0.0.1:${lb.port}/other`)).status).toBe(404);
  });

  it('keeps a drained service drained across a restart of the agent, in either scope', async () => {
    await runTrafficDrain(drain('web', 'host'), context(await TrafficState.load(stateDir)));
    await runTrafficDrain(drain('api', 'datacenter'), context(await TrafficState.load(stateDir)));
    const reloaded = await TrafficState.load(stateDir);
    lb = await startLbServer(reloaded, '127.0.0.1', 0);
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    expect(await lbStatus('api')).toEqual([503, 'drained']);
    expect([reloaded.drainedBy('web'), reloaded.drainedBy('api')]).toEqual([['host'], ['datacenter']]);
  });

  it('runs the hook with the service and the new state, without a shell', async () => {
    const { hook, calls } = await recordingHook();
    const traffic = await TrafficState.load(stateDir);
    await runTrafficDrain(drain('web', 'host'), context(traffic, hook));
    await runTrafficRestore(restore('web', 'host'), context(traffic, hook));
    expect(await calls()).toEqual(['web drained', 'web serving']);
  });

  it('fails with TRAFFIC_HOOK_FAILED when the hook fails, the status changed all the same', async () => {
    const hook = join(stateDir, 'hook.sh');
    await writeFile(hook, '#!/bin/sh\necho "balancer said no" >&2\nexit 4\n');
    await chmod(hook, 0o755);
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    const drained = runTrafficDrain(drain('web', 'host'), context(traffic, hook));
    await expect(drained).rejects.toEqual(new CommandFailure('TRAFFIC_HOOK_FAILED', `traffic hook ${hook} web drained failed: exit code 4: balancer said no (the status behind /lb/web is drained)`));
    await expect(drained).rejects.toHaveProperty('reason', 'TRAFFIC_HOOK_FAILED');
    expect(await lbStatus('web')).toEqual([503, 'drained']);
  });
});

describe('host and datacenter scopes', () => {
  it("a rollout's host-scope restore does not undo an operator's datacenter drain", async () => {
    const { hook, calls } = await recordingHook();
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);

    // Given: the operator drained the datacenter.
    expect(await runTrafficDrain(drain('web', 'datacenter'), context(traffic, hook))).toEqual({ state: 'drained', drainedBy: 'datacenter' });
    // When: a rollout takes the host out and puts it back.
    expect(await runTrafficDrain(drain('web', 'host'), context(traffic, hook))).toEqual({ state: 'drained', drainedBy: 'host,datacenter' });
    expect(await runTrafficRestore(restore('web', 'host'), context(traffic, hook))).toEqual({ state: 'drained', drainedBy: 'datacenter' });
    // Then: still drained, and the balancer was told once.
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    expect(await calls()).toEqual(['web drained']);

    expect(await runTrafficRestore(restore('web', 'datacenter'), context(traffic, hook))).toEqual({ state: 'serving' });
    expect(await lbStatus('web')).toEqual([200, 'serving']);
    expect(await calls()).toEqual(['web drained', 'web serving']);
  });

  it("an operator's datacenter restore does not undo a rollout's host drain", async () => {
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    await runTrafficDrain(drain('web', 'host'), context(traffic));
    await runTrafficDrain(drain('web', 'datacenter'), context(traffic));
    expect(await runTrafficRestore(restore('web', 'datacenter'), context(traffic))).toEqual({ state: 'drained', drainedBy: 'host' });
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    await runTrafficRestore(restore('web', 'host'), context(traffic));
    expect(await lbStatus('web')).toEqual([200, 'serving']);
  });

  it('skips the wait when the service was already drained by the other scope, keeps it on a repeat', async () => {
    const traffic = await TrafficState.load(stateDir);
    await runTrafficDrain(drain('web', 'host'), context(traffic));

    let started = performance.now();
    await runTrafficDrain(drain('web', 'datacenter', 5_000), context(traffic));
    expect(performance.now() - started).toBeLessThan(1_000);

    // A repeat (the control plane resending an unanswered command) behaves as before scopes: hook and wait.
    const { hook, calls } = await recordingHook();
    started = performance.now();
    await runTrafficDrain(drain('web', 'datacenter', 300), context(traffic, hook));
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await calls()).toEqual(['web drained']);
  });

  it('reads the status files of an agent from before scopes as the host scope', async () => {
    // Given: what an older agent left: one `<service>.status` per service.
    await mkdir(join(stateDir, 'traffic'), { recursive: true });
    await writeFile(join(stateDir, 'traffic', 'web.status'), 'drained\n');
    await writeFile(join(stateDir, 'traffic', 'api.status'), 'serving\n');

    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    expect(traffic.drainedBy('web')).toEqual(['host']);
    expect(await lbStatus('api')).toEqual([200, 'serving']);

    // A datacenter restore leaves the rollout's drain alone; the rollout's restore ends it.
    await runTrafficRestore(restore('web', 'datacenter'), context(traffic));
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    await runTrafficRestore(restore('web', 'host'), context(traffic));
    expect(await lbStatus('web')).toEqual([200, 'serving']);
    expect((await readdir(join(stateDir, 'traffic'))).sort()).toEqual(['api.status', 'web.datacenter.status', 'web.status']);
    expect(await readFile(join(stateDir, 'traffic', 'web.status'), 'utf8')).toBe('serving\n');
  });
});
