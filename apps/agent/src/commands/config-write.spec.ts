// config:write on disk and through a real container's read-only mount: a version switch
// is one atomic change the running container sees at once; `null` removes the config.
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Command } from '../../../../libs/protocol/src/index.js';
import { freePort, httpGet, removeOwnContainers, replaceCommand, testImages, waitForBody } from '../testing/test-commands.js';
import { testEngineSocket } from '../testing/test-engine.js';
import { removeTestHostFiles, testHost } from '../testing/test-host.js';
import { executeCommand } from './execute.js';

const socketPath = testEngineSocket(process.env);
const docker = new Docker({ socketPath });
const { v1 } = testImages(process.env);
const host = testHost('config');

afterAll(async () => {
  await removeOwnContainers(docker);
  await removeTestHostFiles(host);
});

async function run(command: Command) {
  return executeCommand(command, host, { progress: () => undefined, signal: new AbortController().signal });
}

const write = (version: number | null, files: Record<string, string> = {}): Command => ({ type: 'config:write', service: 'web', version, files });
const configDir = () => join(host.configRoot, 'web');

describe('config:write', () => {
  it('switches config/ between versions, keeps each version as written, and removes it for null', async () => {
    expect(await run(write(1, { 'app.conf': 'mode=one\n', 'nested/limits.conf': 'max=1\n' }))).toEqual({
      outcome: 'completed',
      result: { service: 'web', version: 1, files: 2 },
    });
    expect(await readFile(join(configDir(), 'config', 'nested', 'limits.conf'), 'utf8')).toBe('max=1\n');
    // A relative link: it resolves inside the container's mount as well as on the host.
    expect(await readlink(join(configDir(), 'config'))).toBe(join('config-versions', '1'));

    await run(write(2, { 'app.conf': 'mode=two\n' }));
    expect(await readFile(join(configDir(), 'config', 'app.conf'), 'utf8')).toBe('mode=two\n');
    // A repeat of version 1 (a rollback) finds it as written; content sent again does not change it.
    await run(write(1, { 'app.conf': 'ignored\n' }));
    expect(await readFile(join(configDir(), 'config', 'app.conf'), 'utf8')).toBe('mode=one\n');
    expect((await readdir(configDir())).filter((entry) => entry.startsWith('.'))).toEqual([]);

    expect(await run(write(null))).toMatchObject({ outcome: 'completed', result: { version: null } });
    await expect(readFile(join(configDir(), 'config', 'app.conf'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await run(write(null))).toMatchObject({ outcome: 'completed' });
  });

  it('reaches a running container through its read-only mount', async () => {
    const port = await freePort();
    await run(replaceCommand({ service: 'web', release: 'r1', image: v1, port }));
    expect(await waitForBody(port)).toBe('v1');
    await run(write(3, { 'app.conf': 'mode=three\n' }));
    expect(await httpGet(port, '/tarmac/config/app.conf')).toEqual({ status: 200, body: 'mode=three\n' });
    await run(write(2, { 'app.conf': 'mode=two\n' }));
    expect(await httpGet(port, '/tarmac/config/app.conf')).toEqual({ status: 200, body: 'mode=two\n' });
  });
});
