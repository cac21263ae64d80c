// traffic:drain / traffic:restore, the LB endpoint that shows them, and the host's hook.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

describe('traffic commands and the LB endpoint', () => {
  it('answers 200 serving, 503 once drained, 200 after restore; unknown services serve', async () => {
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    expect(await lbStatus('web')).toEqual([200, 'serving']);

    const started = performance.now();
    expect(await runTrafficDrain({ type: 'traffic:drain', service: 'web', waitMs: 300 }, context(traffic))).toEqual({ state: 'drained' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await lbStatus('web')).toEqual([503, 'drained']);
    expect(await lbStatus('api')).toEqual([200, 'serving']);

    expect(await runTrafficRestore({ type: 'traffic:restore', service: 'web' }, context(traffic))).toEqual({ state: 'serving' });
    expect(await lbStatus('web')).toEqual([200, 'serving']);
    expect((await fetch(`http://127.0.0.1:${lb.port}/other`)).status).toBe(404);
  });

  it('keeps a drained service drained across a restart of the agent', async () => {
    await runTrafficDrain({ type: 'traffic:drain', service: 'web', waitMs: 0 }, context(await TrafficState.load(stateDir)));
    lb = await startLbServer(await TrafficState.load(stateDir), '127.0.0.1', 0);
    expect(await lbStatus('web')).toEqual([503, 'drained']);
  });

  it('runs the hook with the service and the new state, without a shell', async () => {
    const hook = join(stateDir, 'hook.sh');
    const calls = join(stateDir, 'calls');
    await writeFile(hook, `#!/bin/sh\necho "$1 $2" >> '${calls}'\n`);
    await chmod(hook, 0o755);
    const traffic = await TrafficState.load(stateDir);
    await runTrafficDrain({ type: 'traffic:drain', service: 'web', waitMs: 0 }, context(traffic, hook));
    await runTrafficRestore({ type: 'traffic:restore', service: 'web' }, context(traffic, hook));
    expect(await readFile(calls, 'utf8')).toBe('web drained\nweb serving\n');
  });

  it('fails with TRAFFIC_HOOK_FAILED when the hook fails, the status changed all the same', async () => {
    const hook = join(stateDir, 'hook.sh');
    await writeFile(hook, '#!/bin/sh\necho "balancer said no" >&2\nexit 4\n');
    await chmod(hook, 0o755);
    const traffic = await TrafficState.load(stateDir);
    lb = await startLbServer(traffic, '127.0.0.1', 0);
    const drain = runTrafficDrain({ type: 'traffic:drain', service: 'web', waitMs: 0 }, context(traffic, hook));
    await expect(drain).rejects.toEqual(new CommandFailure('TRAFFIC_HOOK_FAILED', `traffic hook ${hook} web drained failed: exit code 4: balancer said no (the status behind /lb/web is drained)`));
    await expect(drain).rejects.toHaveProperty('reason', 'TRAFFIC_HOOK_FAILED');
    expect(await lbStatus('web')).toEqual([503, 'drained']);
  });
});
