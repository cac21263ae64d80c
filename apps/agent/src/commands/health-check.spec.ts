// health:check and image:pull against the real engine and registry.
import Docker from 'dockerode';
import { HealthCheckCommand, type Command } from '../../../../libs/protocol/src/index.js';
import { freePort, httpHealth, removeOwnContainers, replaceCommand, testImages } from '../testing/test-commands.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { removeTestHostFiles, testHost } from '../testing/test-host.js';
import { executeCommand } from './execute.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const { v1, registry } = testImages(process.env);
const host = testHost('health');

afterAll(async () => {
  await removeOwnContainers(docker);
  await removeTestHostFiles(host);
});

const run = (command: Command) => executeCommand(command, host, { progress: () => undefined, signal: new AbortController().signal });

describe('health:check on a real engine', () => {
  it('succeeds once the new container answers', async () => {
    const port = await freePort();
    await run(replaceCommand({ service: 'ok', release: 'r1', image: v1, port }));
    expect(await run(httpHealth('ok', port, 5_000))).toEqual({ outcome: 'completed', result: { attempts: expect.any(Number), status: 200 } });
  });

  it('fails with the last observation for a container that never answers', async () => {
    const port = await freePort();
    await run(replaceCommand({ service: 'mute', release: 'r1', image: v1, port, command: ['/bin/sleep', '600'] }));
    const started = performance.now();
    const outcome = await run(httpHealth('mute', port, 1_200));
    expect(outcome).toEqual({
      outcome: 'failed',
      reason: 'HEALTH_CHECK_FAILED',
      message: expect.stringMatching(new RegExp(`^mute not healthy after 3 probe\\(s\\) in \\d+ ms \\(GET http://127.0.0.1:${port}/\\); last: connect ECONNREFUSED`)),
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('fails at once with CONTAINER_EXITED, the exit code and the last lines, when the container dies during the check', async () => {
    const port = await freePort();
    // Gets past the replace's start check, then dies: a release that crashes a second after it starts.
    await run(replaceCommand({ service: 'crash', release: 'r1', image: v1, port, command: ['/bin/sh', '-c', 'sleep 1; echo crashing now >&2; exit 7'] }));
    // Probed until a deadline far past the crash: only the container's state can end it early.
    const outcome = await run(httpHealth('crash', port, 60_000));
    expect(outcome).toEqual({
      outcome: 'failed',
      reason: 'CONTAINER_EXITED',
      message: expect.stringMatching(/^health-\d+-crash-r1 is exited with exit code 7 during the health check of crash: .*crashing now/),
    });
  });

  it('runs a command check in the service container: exit 0 passes, anything else fails', async () => {
    const port = await freePort();
    await run(replaceCommand({ service: 'cmd', release: 'r1', image: v1, port }));
    // Timeouts with room: an exec through Podman can take most of a second on a busy machine.
    const check = (command: string[]) =>
      HealthCheckCommand.parse({ type: 'health:check', service: 'cmd', withinMs: 2_500, check: { type: 'command', command, timeoutMs: 2_000, intervalMs: 2_000 } });
    expect(await run(check(['/bin/true']))).toEqual({ outcome: 'completed', result: { attempts: 1, status: 0 } });
    expect(await run(check(['/bin/sh', '-c', 'echo not ready >&2; exit 3']))).toEqual({
      outcome: 'failed',
      reason: 'HEALTH_CHECK_FAILED',
      message: expect.stringMatching(/after 2 probe\(s\).*last: exit code 3 in health-\d+-cmd-r1: not ready$/),
    });
  });
});

describe('image:pull on a real engine', () => {
  it('pulls an image', async () => {
    expect(await run({ type: 'image:pull', image: v1 })).toEqual({ outcome: 'completed', result: { image: v1 } });
  });

  it('fails with the registry message for an unknown tag', async () => {
    const image = `${registry}/tarmac-test/web:no-such-tag`;
    const outcome = await run({ type: 'image:pull', image });
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'IMAGE_PULL_FAILED' });
    expect((outcome as { message: string }).message).toMatch(new RegExp(`^pull of ${image} failed: .*(manifest unknown|not found)`, 'i'));
  });

  it('fails naming the connection problem when the registry is down', async () => {
    const image = `127.0.0.1:${await freePort()}/tarmac-test/web:1`;
    const outcome = await run({ type: 'image:pull', image });
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'IMAGE_PULL_FAILED' });
    expect((outcome as { message: string }).message).toMatch(/connection refused/i);
  });
});
