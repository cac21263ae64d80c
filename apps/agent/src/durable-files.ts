// fsync for directories: a created or renamed file survives a crash only once its
// directory entry is on disk too.
import { open } from 'node:fs/promises';

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
