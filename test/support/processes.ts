// Child processes for end-to-end tests (a control plane, agents): output kept
// for assertions and failure messages, and every process killed by killAll().
import { spawn, type ChildProcess } from 'node:child_process';
import { cleanUpAtExit } from './exit-cleanup.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessHandle {
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first match in stdout or stderr (checked separately);
   * rejects on timeout or when the process exits first, with the output tail. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Signals the whole process group and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

export interface SpawnOptions {
  /** Added to this process's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const live = new Set<ProcessHandle>();


function tail(text: string, lines = 20): string {
  return text.split('\n').slice(-lines).join('\n');
}

export function spawnProcess(command: string, args: string[], options: SpawnOptions = {}): ProcessHandle {
  // Own process group, so kill() reaches grandchildren too (a wrapper such as
  // `ip netns exec` or `sh -c`).
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let exit: ProcessExit | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());

  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (error) => {
      stderr += `\n[spawn error] ${error.message}\n`;
      exit = { code: null, signal: null };
      resolve(exit);
      notify();
    });
    // 'close', not 'exit': all output has been read by then.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
      notify();
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) {
    // Last resort when the test process dies without killAll() (a crash, a timeout):
    // a watchdog outside jest kills the group (process.on('exit') never runs in jest).
    cleanUpAtExit({ kind: 'process-group', pid });
  }
  void exited.then(() => {
    if (pid > 0) cleanUpAtExit({ kind: 'process-group-ended', pid });
    live.delete(handle);
  });

  const describe = () => `${command} ${args.join(' ')}`;

  const handle: ProcessHandle = {
    pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForOutput(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern) ?? stderr.match(pattern);
          if (match) {
            done();
            resolve(match);
          } else if (exit) {
            done();
            reject(
              new Error(
                `${describe()} exited (code ${exit.code}, signal ${exit.signal}) before printing ${pattern}\n` +
                  `stdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${describe()} printed no ${pattern} within ${timeoutMs} ms\n` +
                `stdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
            ),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    kill(signal = 'SIGTERM') {
      if (!exit && pid > 0) {
        try {
          process.kill(-pid, signal);
        } catch {
          // the group is already gone
        }
      }
      return exited;
    },
  };
  live.add(handle);
  return handle;
}

/** SIGTERM to every live process, SIGKILL to those still there after `graceMs`. */
export async function killAll(graceMs = 5_000): Promise<void> {
  const handles = [...live];
  await Promise.all(
    handles.map(async (handle) => {
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          void handle.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([handle.kill('SIGTERM'), forced]);
      await handle.exited;
      clearTimeout(timer);
    }),
  );
}
