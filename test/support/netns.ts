// Simulated hosts on one machine: one network namespace per host, each joined to the
// root namespace by a veth pair, so every host has its own IP and its own ports (a
// container per host can listen on the same port), and an agent or container put in
// the namespace reaches the root namespace through the pair's root-side address.
//
// Address scheme: host k gets 10.99.<k>.0/24, k in 1..254. The root side of the pair
// (`gatewayAddress`) is 10.99.<k>.1 and is the namespace's default route; the
// namespace side (`hostAddress`) is 10.99.<k>.2 on `eth0`. Nothing is routed between
// namespaces (IP forwarding is left as the machine has it): a namespace talks to the
// root namespace only, and the root namespace to every namespace.
//
// k is picked starting from a value derived from the pid and the namespace's sequence
// number, skipping any /24 that already has an address or a route in the root
// namespace. Parallel test processes (jest workers) race for the same k without a lock:
// each adds its root-side address and then checks that it is the only address in that
// /24; the one that finds a second one gives it back and tries the next k. Whichever
// checks last sees both, so two processes can never both keep the same k.
//
// Names: `<prefix><pid>h<seq>` (e.g. `tm4711h0`), root-side veth `<name>r`; interface
// names are at most 15 characters, so the prefix is short. If the test process ends
// without removeHostNamespaces(), a watchdog process removes its namespaces
// (exit-cleanup.ts); any still left by a dead process are removed by the next
// createHostNamespaces() with the same prefix.
//
// Needs root and iproute2 (`ip`). Uses execFile, never a shell.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cleanUpAtExit } from './exit-cleanup.js';

const run = promisify(execFile);

export interface HostNamespace {
  /** Namespace name, for `ip netns exec <name>`. */
  name: string;
  /** The namespace-side address (eth0 inside): where the host's containers answer. */
  hostAddress: string;
  /** The root-side address of the veth pair: the namespace's default gateway, and
   * where a process in the namespace reaches something listening in the root
   * namespace (a control plane bound to 0.0.0.0). */
  gatewayAddress: string;
  /** For a container's `NetworkMode: ns:<netnsPath>`. */
  netnsPath: string;
  /** The k in 10.99.<k>.0/24. */
  subnetIndex: number;
  /** Root-side veth interface name. */
  vethName: string;
}

const DEFAULT_PREFIX = 'tm';
const MAX_IFNAME = 15;
const created = new Map<string, HostNamespace>();
let sequence = 0;
let checked = false;

function removeSync(name: string, veth: string): void {
  // Deleting the root side removes both ends at once, even while a container still
  // holds the namespace open; deleting the namespace only unmounts /run/netns/<name>.
  for (const args of [['link', 'del', veth], ['netns', 'del', name]]) {
    try {
      execFileSync('ip', args, { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}

async function ip(...args: string[]): Promise<string> {
  try {
    return (await run('ip', args)).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/** Fails with a message that says what to do when this machine cannot make namespaces. */
export async function checkNamespacePrerequisites(): Promise<void> {
  if (checked) return;
  if (process.getuid?.() !== 0) {
    throw new Error('host namespaces need root (ip netns add, veth pairs): run the end-to-end tests as root');
  }
  try {
    await run('ip', ['-V']);
  } catch (error) {
    throw new Error(
      `host namespaces need iproute2 (the \`ip\` command), which did not run: ${(error as Error).message}; ` +
        'install it with apt-get install -y iproute2',
      { cause: error },
    );
  }
  try {
    await run('ip', ['netns', 'list']);
  } catch (error) {
    throw new Error(`\`ip netns list\` failed, so network namespaces are not usable here: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`, {
      cause: error,
    });
  }
  checked = true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function namespaceNames(): Promise<string[]> {
  // Lines are `name` or `name (id: N)`.
  return (await ip('netns', 'list'))
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name): name is string => !!name);
}

/** Removes namespaces named like ours whose process is gone. */
async function removeStale(prefix: string): Promise<void> {
  const pattern = new RegExp(`^${prefix}(\\d+)h\\d+$`);
  for (const name of await namespaceNames()) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    removeSync(name, `${name}r`);
  }
}

/** The k of every 10.99.k.0/24 that has an address or a route in the root namespace. */
async function subnetsInUse(): Promise<Set<number>> {
  const used = new Set<number>();
  const text = (await ip('-4', '-o', 'addr', 'show')) + '\n' + (await ip('-4', 'route', 'show'));
  for (const match of text.matchAll(/\b10\.99\.(\d+)\.\d+/g)) used.add(Number(match[1]));
  return used;
}

async function addressesIn(k: number): Promise<number> {
  const out = await ip('-4', '-o', 'addr', 'show', 'to', `10.99.${k}.0/24`);
  return out.split('\n').filter((line) => line.trim() !== '').length;
}

/** Adds the root-side address on a free 10.99.k.0/24 and returns k. */
async function claimSubnet(veth: string, seq: number): Promise<number> {
  const start = (process.pid * 7 + seq * 31) % 254;
  for (let attempt = 0; attempt < 254; attempt++) {
    const k = ((start + attempt) % 254) + 1;
    if ((await subnetsInUse()).has(k)) continue;
    const address = `10.99.${k}.1/24`;
    await ip('addr', 'add', address, 'dev', veth);
    if ((await addressesIn(k)) === 1) return k;
    // Another process took the same k at the same moment: give it back, try the next.
    await ip('addr', 'del', address, 'dev', veth).catch(() => undefined);
  }
  throw new Error('no free 10.99.<k>.0/24 subnet left for a host namespace (k = 1..254 all in use)');
}

async function createOne(prefix: string): Promise<HostNamespace> {
  const seq = sequence++;
  const name = `${prefix}${process.pid}h${seq}`;
  const vethName = `${name}r`;
  if (vethName.length > MAX_IFNAME) {
    throw new Error(`host namespace interface name ${vethName} is longer than ${MAX_IFNAME} characters: use a shorter prefix`);
  }
  const netnsPath = `/run/netns/${name}`;
  // A leftover with our pid can only be from a dead process that had it before us.
  if ((await namespaceNames()).includes(name)) removeSync(name, vethName);
  // Last resort (a crash, a forgotten afterAll): removed when this process is gone.
  cleanUpAtExit({ kind: 'netns', name, veth: vethName });
  await ip('netns', 'add', name);
  // Registered before configuring, so a failure below still gets it removed.
  const partial: HostNamespace = { name, hostAddress: '', gatewayAddress: '', netnsPath, subnetIndex: 0, vethName };
  created.set(name, partial);
  try {
    await ip('link', 'add', vethName, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    const k = await claimSubnet(vethName, seq);
    const ns: HostNamespace = {
      ...partial,
      subnetIndex: k,
      gatewayAddress: `10.99.${k}.1`,
      hostAddress: `10.99.${k}.2`,
    };
    created.set(name, ns);
    await ip('link', 'set', vethName, 'up');
    await ip('-n', name, 'addr', 'add', `${ns.hostAddress}/24`, 'dev', 'eth0');
    await ip('-n', name, 'link', 'set', 'eth0', 'up');
    await ip('-n', name, 'route', 'add', 'default', 'via', ns.gatewayAddress);
    return ns;
  } catch (error) {
    removeSync(name, vethName);
    created.delete(name);
    throw error;
  }
}

/**
 * Makes `count` host namespaces (see the top of this file for names and addresses).
 * Remove them with removeHostNamespaces() after the containers and agents in them.
 */
export async function createHostNamespaces(count: number, prefix = DEFAULT_PREFIX): Promise<HostNamespace[]> {
  if (!/^[a-z]{1,4}$/.test(prefix)) throw new Error(`host namespace prefix must be 1-4 lower-case letters, got ${JSON.stringify(prefix)}`);
  await checkNamespacePrerequisites();
  await removeStale(prefix);
  const namespaces: HostNamespace[] = [];
  try {
    // One at a time: claimSubnet's check is cheap, and ordered output keeps k stable.
    for (let i = 0; i < count; i++) namespaces.push(await createOne(prefix));
  } catch (error) {
    await removeHostNamespaces(namespaces);
    throw error;
  }
  return namespaces;
}

/**
 * Deletes the given namespaces (default: every one this process made) with their veth
 * pairs. Remove the containers in them first: a running container keeps its
 * namespace alive (unreachable, its veth gone) until it stops. Safe to call twice.
 */
export async function removeHostNamespaces(namespaces: HostNamespace[] = [...created.values()]): Promise<void> {
  for (const ns of namespaces) {
    await ip('link', 'del', ns.vethName).catch(() => undefined);
    await ip('netns', 'del', ns.name).catch(() => undefined);
    created.delete(ns.name);
  }
}

/** Runs a program inside the namespace (`ip netns exec`); resolves with its stdout. */
export async function execInNamespace(
  ns: HostNamespace | string,
  command: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<string> {
  const name = typeof ns === 'string' ? ns : ns.name;
  try {
    return (await run('ip', ['netns', 'exec', name, command, ...args], { timeout: timeoutMs })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`in namespace ${name}: ${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}

/**
 * An HTTP GET made from inside the namespace by a child node process: what a process
 * on that host (an agent, a check) would get. Network failures reject.
 */
export async function fetchFromNamespace(
  ns: HostNamespace | string,
  url: string,
  timeoutMs = 5_000,
): Promise<{ status: number; body: string }> {
  const script =
    'fetch(process.argv[1], { signal: AbortSignal.timeout(Number(process.argv[2])) })' +
    '.then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))' +
    '.catch((e) => { console.error(String(e.cause ?? e)); process.exit(1); })';
  const out = await execInNamespace(ns, process.execPath, ['-e', script, url, String(timeoutMs)], timeoutMs + 5_000);
  return JSON.parse(out) as { status: number; body: string };
}
