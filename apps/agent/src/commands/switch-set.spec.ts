// switch:set against the real engine: the value lands in the service's config directory,
// which container:replace mounts read-only, so the running container serves it at once.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Command } from '../../../../libs/protocol/src/index.js';
import { freePort, httpGet, removeOwnContainers, replaceCommand, testImages, waitForBody } from '../testing/test-commands.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { removeTestHostFiles, testHost } from '../testing/test-host.js';
import { executeCommand } from './execute.js';
import { SERVICE_CONFIG_MOUNT } from './switch-set.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const { v1 } = testImages(process.env);
const host = testHost('switch');

afterAll(async () => {
  await removeOwnContainers(docker);
  await removeTestHostFiles(host);
});

async function completed(command: Command) {
  const outcome = await executeCommand(command, host, { progress: () => undefined, signal: new AbortController().signal });
  if (outcome.outcome !== 'completed') throw new Error(`expected completion, got ${outcome.reason}: ${outcome.message}`);
  return outcome.result;
}

const flip = (enabled: boolean): Command => ({ type: 'switch:set', service: 'web', name: 'dark-mode', enabled });

describe('switch:set', () => {
  it('writes on/off into the service config directory; a repeat gives the same result', async () => {
    expect(await completed(flip(true))).toEqual({ name: 'dark-mode', enabled: true });
    expect(await completed(flip(true))).toEqual({ name: 'dark-mode', enabled: true });
    expect(await readFile(join(host.configRoot, 'web', 'switches', 'dark-mode'), 'utf8')).toBe('on\n');
    await completed(flip(false));
    expect(await readFile(join(host.configRoot, 'web', 'switches', 'dark-mode'), 'utf8')).toBe('off\n');
  });

  it('reaches a container made by container:replace through its read-only mount, without a restart', async () => {
    const port = await freePort();
    const replaced = await completed(replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    expect(await waitForBody(port)).toBe('v1');
    const details = await docker.getContainer(String(replaced.containerId)).inspect();
    expect(details.Mounts).toEqual([expect.objectContaining({ Source: join(host.configRoot, 'web'), Destination: SERVICE_CONFIG_MOUNT, RW: false })]);

    await completed(flip(true));
    expect(await httpGet(port, '/tarmac/switches/dark-mode')).toEqual({ status: 200, body: 'on\n' });
    await completed(flip(false));
    expect(await httpGet(port, '/tarmac/switches/dark-mode')).toEqual({ status: 200, body: 'off\n' });

    // The container cannot write it: only the agent does.
    const attempt = await host.engine.exec(String(replaced.containerId), ['/bin/sh', '-c', `echo on > ${SERVICE_CONFIG_MOUNT}/switches/dark-mode`], 5_000);
    expect(attempt.exitCode).not.toBe(0);
  });
});
