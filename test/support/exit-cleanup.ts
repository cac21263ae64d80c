// Last-resort cleanup of machine-wide resources (network namespaces, temp dirs) when
// the test process is gone without cleaning up: a crash, a timeout, SIGKILL.
//
// `process.on('exit')` is no use here: a jest test module gets a copy of `process`,
// and listeners added to it never run (checked: neither in band nor in a worker). So
// the first registration starts a small detached watchdog process with a pipe from
// this one; each resource is written to the pipe as it is made, and when the pipe
// closes (this process has exited, however) the watchdog removes whatever is left.
// Every action is idempotent: resources already removed normally are skipped.
import { spawn, type ChildProcess } from 'node:child_process';

export type CleanupAction =
  | { kind: 'netns'; name: string; veth: string }
  | { kind: 'dir'; path: string }
  /** A child process group (a control plane, an agent) still running when the tests died. */
  | { kind: 'process-group'; pid: number }
  /** The process group `pid` has ended normally: forget it, its pid may be reused. */
  | { kind: 'process-group-ended'; pid: number };

const WATCHDOG = `
const { execFileSync } = require('node:child_process');
const { rmSync } = require('node:fs');
const actions = [];
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  const lines = buffer.split('\\n');
  buffer = lines.pop();
  for (const line of lines) {
    if (!line.trim()) continue;
    const action = JSON.parse(line);
    if (action.kind === 'process-group-ended') {
      const i = actions.findIndex((a) => a.kind === 'process-group' && a.pid === action.pid);
      if (i >= 0) actions.splice(i, 1);
    } else actions.push(action);
  }
});
const quiet = (work) => { try { work(); } catch {} };
const cleanUp = () => {
  // Processes first: a container's agent before its namespace.
  actions.sort((a, b) => (a.kind === 'process-group' ? -1 : 0) - (b.kind === 'process-group' ? -1 : 0));
  for (const action of actions) {
    if (action.kind === 'netns') {
      quiet(() => execFileSync('ip', ['link', 'del', action.veth], { stdio: 'ignore' }));
      quiet(() => execFileSync('ip', ['netns', 'del', action.name], { stdio: 'ignore' }));
    } else if (action.kind === 'process-group') {
      quiet(() => process.kill(-action.pid, 'SIGKILL'));
    } else if (action.kind === 'dir') {
      quiet(() => rmSync(action.path, { recursive: true, force: true }));
    }
  }
  process.exit(0);
};
process.stdin.on('end', cleanUp);
process.stdin.on('error', cleanUp);
`;

let watchdog: ChildProcess | undefined;

/** Makes sure `action` runs once this process has exited (whether or not it was already undone). */
export function cleanUpAtExit(action: CleanupAction): void {
  if (!watchdog || !watchdog.stdin?.writable) {
    // Own session: a Ctrl-C to the test run's process group does not reach it.
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    watchdog.unref();
    // Neither the child nor the pipe keeps this process (or jest) running.
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    watchdog.stdin!.on('error', () => undefined);
  }
  watchdog.stdin!.write(`${JSON.stringify(action)}\n`);
}
