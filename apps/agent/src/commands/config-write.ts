// config:write — makes `config/` in a service's config directory (mounted read-only into
// its containers at SERVICE_CONFIG_MOUNT) hold exactly one version of the service's
// config files. Each version is written once into `config-versions/<version>/`, then
// `config` is switched to it with one atomic rename of a relative symlink, so a reader
// in the container sees the old version or the new, never a mix. `version: null` removes
// `config` (the release it goes back to had none). Idempotent: versions never change.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { CommandFailureReason, isConfigFilePath, type ConfigWrite } from '../../../../libs/protocol/src/index.js';
import { syncDirectory } from '../durable-files.js';
import { step } from './command-failure.js';
import { serviceConfigDir } from './switch-set.js';

export const CONFIG_LINK = 'config';
const VERSIONS = 'config-versions';
/** Versions kept besides the current one, for a fast rollback. */
const KEEP_VERSIONS = 5;

export async function runConfigWrite(command: z.infer<typeof ConfigWrite>, configRoot: string): Promise<{ service: string; version: number | null; files: number }> {
  const root = serviceConfigDir(configRoot, command.service);
  return step(CommandFailureReason.ConfigWriteFailed, `writing config version ${command.version ?? 'none'} of ${command.service} failed`, async () => {
    await mkdir(join(root, VERSIONS), { recursive: true });
    if (command.version === null) {
      await unlink(join(root, CONFIG_LINK)).catch(ignoreMissing);
      await syncDirectory(root);
      return { service: command.service, version: null, files: 0 };
    }
    const name = String(command.version);
    if (!(await exists(join(root, VERSIONS, name)))) await writeVersion(join(root, VERSIONS), name, command.files);
    const temporary = join(root, `.${CONFIG_LINK}.${randomBytes(4).toString('hex')}`);
    await symlink(join(VERSIONS, name), temporary);
    await rename(temporary, join(root, CONFIG_LINK));
    await syncDirectory(root);
    await prune(join(root, VERSIONS), command.version);
    return { service: command.service, version: command.version, files: Object.keys(command.files).length };
  });
}

/** Writes the files aside and renames the finished directory into place. */
async function writeVersion(versions: string, name: string, files: Record<string, string>): Promise<void> {
  const temporary = join(versions, `.${name}.${randomBytes(4).toString('hex')}`);
  await mkdir(temporary);
  try {
    for (const [path, content] of Object.entries(files)) {
      // The schema checked it already; a path that could leave the directory is never joined.
      if (!isConfigFilePath(path)) throw new Error(`refusing config file path ${JSON.stringify(path)}`);
      const target = join(temporary, path);
      await mkdir(dirname(target), { recursive: true });
      const file = await open(target, 'w', 0o644);
      try {
        await file.writeFile(content);
        await file.sync();
      } finally {
        await file.close();
      }
    }
    await syncDirectory(temporary);
    await rename(temporary, join(versions, name));
    await syncDirectory(versions);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** Drops the oldest versions beyond KEEP_VERSIONS besides the current one, and leftovers of interrupted writes. */
async function prune(versions: string, current: number): Promise<void> {
  const entries = await readdir(versions);
  const numbered = entries.filter((e) => /^\d+$/.test(e) && Number(e) !== current).sort((a, b) => Number(b) - Number(a));
  const stale = [...numbered.slice(KEEP_VERSIONS), ...entries.filter((e) => e.startsWith('.'))];
  await Promise.all(stale.map((entry) => rm(join(versions, entry), { recursive: true, force: true })));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
