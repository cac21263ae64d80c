// switch:set — writes a service's switch into its config directory on this host, which
// container:replace mounts read-only into every container of the service at
// SERVICE_CONFIG_MOUNT. The container reads `<mount>/switches/<name>` (`on` or `off`)
// whenever it likes; nothing restarts. Idempotent: a repeat writes the same content.
//
// A container created before the mount existed (an agent older than this command) has no
// such directory: the value still lands on the host, and the service sees it once the
// container has been replaced once.
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import type { SwitchSet } from '../../../../libs/protocol/src/index.js';
import { syncDirectory } from '../durable-files.js';

/** Where a service's config directory appears inside its containers. Fixed: images rely on it. */
export const SERVICE_CONFIG_MOUNT = '/www/tarmac';

/** `<configRoot>/<service>`: the host side of SERVICE_CONFIG_MOUNT. `configRoot` is absolute. */
export function serviceConfigDir(configRoot: string, service: string): string {
  return join(configRoot, service);
}

export async function runSwitchSet(command: z.infer<typeof SwitchSet>, configRoot: string): Promise<{ name: string; enabled: boolean }> {
  const dir = join(serviceConfigDir(configRoot, command.service), 'switches');
  await mkdir(dir, { recursive: true });
  const path = join(dir, command.name);
  // Written aside and renamed: a reader in the container sees the old value or the new, never half.
  // A leading dot: no switch name has one, so no switch is ever mistaken for a temp file.
  const temporary = join(dir, `.${command.name}.tmp`);
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(command.enabled ? 'on\n' : 'off\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(dir);
  return { name: command.name, enabled: command.enabled };
}
