// A registry of the test's own, on the second address Podman trusts
// (TARMAC_TEST_OUTAGE_REGISTRY): the test can stop it for an outage without touching
// the registry every other test pulls from. Test files run in parallel share that one
// address, so an instance holds a lock file on it from its first start to its close.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEngine } from './engine.js';
import { spawnProcess, type ProcessHandle } from './processes.js';
import { waitFor } from './wait.js';

export class OutageRegistry {
  private process?: ProcessHandle;
  private locked = false;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tarmac-outage-registry-'));

  constructor(readonly address = process.env.TARMAC_TEST_OUTAGE_REGISTRY ?? '127.0.0.1:5001') {
    writeFileSync(
      join(this.dir, 'config.yml'),
      `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${join(this.dir, 'data')}\nhttp:\n  addr: ${this.address}\n`,
    );
  }

  async start(): Promise<void> {
    await this.lock();
    this.process = spawnProcess('docker-registry', ['serve', join(this.dir, 'config.yml')]);
    await waitFor(async () => (await fetch(`http://${this.address}/v2/`).catch(() => undefined))?.ok, { description: `registry on ${this.address}` });
  }

  async stop(): Promise<void> {
    await this.process?.kill('SIGTERM');
    this.process = undefined;
  }

  /** Copies a local image into this registry as `repository:tag`, then drops the local tag so the next pull must ask the registry. */
  async push(localImage: string, repository: string, tag: string): Promise<void> {
    const docker = testEngine();
    const reference = `${this.address}/${repository}`;
    await docker.getImage(localImage).tag({ repo: reference, tag });
    const stream = await docker.getImage(`${reference}:${tag}`).push({});
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, events: { error?: string }[]) => {
        const failed = events?.find((event) => event.error);
        if (error || failed) reject(error ?? new Error(failed!.error));
        else resolve();
      }),
    );
    await docker.getImage(`${reference}:${tag}`).remove({ noprune: true });
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    if (this.locked) rmSync(this.lockPath, { force: true });
    this.locked = false;
  }

  private get lockPath(): string {
    return join(tmpdir(), `tarmac-outage-registry-${this.address.replace(/[^0-9a-z]/gi, '_')}.lock`);
  }

  /** Waits until no other live test process holds the address (a dead holder's lock is taken over). */
  private async lock(): Promise<void> {
    if (this.locked) return;
    await waitFor(
      () => {
        try {
          closeSync(openSync(this.lockPath, 'wx'));
          writeFileSync(this.lockPath, String(process.pid));
          return true;
        } catch {
          const holder = Number(readFileSync(this.lockPath, { encoding: 'utf8', flag: 'a+' }).trim());
          if (holder > 0 && !alive(holder)) rmSync(this.lockPath, { force: true });
          return false;
        }
      },
      { description: `the outage registry address ${this.address} free of other tests`, timeoutMs: 300_000, intervalMs: 200 },
    );
    this.locked = true;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
