// The tarmac CLI end to end: the real built binary, spawned as a user would run it,
// against a real control plane process on real PostgreSQL with real agents on Podman.
// The release process (plan file, review, four gates, summary, rollout, watch) goes
// only through the CLI; the fleet and the people are set up through the API.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnProcess, type ProcessHandle } from './support/processes.js';
import { RolloutFleet } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';

const CLI = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
const V1 = testEnv().imageV1.split(':').at(-1)!;
const V2 = testEnv().imageV2.split(':').at(-1)!;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the tarmac CLI', () => {
  let fleet: RolloutFleet;
  let dir: string;
  let config: string;

  /** Starts `tarmac ARGS` with no server or token in its environment but what `env` adds. */
  function start(args: string[], env: Record<string, string> = {}): ProcessHandle {
    return spawnProcess(process.execPath, [CLI, ...args], {
      env: { TARMAC_CONFIG: config, TARMAC_SERVER: undefined, TARMAC_TOKEN: undefined, NO_COLOR: '1', ...env },
    });
  }

  async function tarmac(args: string[], env: Record<string, string> = {}): Promise<Run> {
    const child = start(args, env);
    const { code } = await child.exited;
    return { code, stdout: child.stdout, stderr: child.stderr };
  }

  /** Runs a command that must succeed, and returns its stdout. */
  async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const run = await tarmac(args, env);
    if (run.code !== 0) throw new Error(`tarmac ${args.join(' ')} exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    return run.stdout;
  }

  const as = (user: string) => ['--token', fleet.tokens[user]!];

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 1, yf: 1 }, preview: 1 });
    dir = await mkdtemp(join(tmpdir(), 'tarmac-cli-'));
    config = join(dir, 'config', 'tarmac.json');
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('takes a plan file through review, four gates, a summary and a watched rollout', async () => {
    // Given erin logged in: the config file holds the server and her token, for her only.
    const login = await ok(['login', '--server', fleet.url, '--token', fleet.tokens.erin!]);
    expect(login).toContain('as erin (engineer)');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(config, 'utf8'))).toEqual({ server: fleet.url, token: fleet.tokens.erin });

    // The fleet and the catalogue, read with the saved login.
    const hosts = JSON.parse(await ok(['hosts', '--json'])) as { hostname: string; status: string }[];
    expect(hosts.map((h) => h.hostname).sort()).toEqual(fleet.hosts.map((h) => h.hostname).sort());
    expect(hosts.every((h) => h.status === 'online')).toBe(true);
    expect(await ok(['services'])).toMatch(/^web\s+frontend\s+1\s/m);

    // When erin submits a plan file written like examples/plan.yaml, and asks for review.
    const planFile = join(dir, 'plan.yaml');
    await writeFile(planFile, planYaml(V2));
    const created = JSON.parse(await ok(['plan', 'create', '-f', planFile, '--json']));
    expect(created).toMatchObject({ status: 'draft', author: 'erin', title: `web ${V2} from the CLI` });
    const planId = created.id as string;
    expect(await ok(['plan', 'review', planId])).toContain(`plan ${planId} review requested`);

    // Four people sign their gates, each with their own token (the flag wins over the config file).
    for (const [user, gate] of [['rita', 'code_review'], ['quinn', 'qa'], ['sam', 'supervisor'], ['dora', 'dispatcher']] as const) {
      expect(await ok(['gate', 'approve', planId, gate, '-m', `${gate} ok`, ...as(user)])).toContain(`${gate} approved on plan ${planId}`);
    }
    const shown = await ok(['plan', 'show', planId]);
    expect(shown).toMatch(/status:\s+approved/);
    expect(shown).toMatch(/qa\s+approved by quinn: qa ok/);
    expect(JSON.parse(await ok(['plan', 'list', '--status', 'approved', '--json'])).map((p: { id: string }) => p.id)).toEqual([planId]);

    // The dispatcher puts it in a launch summary (YAML) and publishes it.
    const summaryFile = join(dir, 'summary.yaml');
    await writeFile(summaryFile, summaryYaml(planId));
    const summary = JSON.parse(await ok(['summary', 'create', '-f', summaryFile, '--json', ...as('dora')]));
    expect(summary).toMatchObject({ status: 'draft', plans: [{ planId, position: 1 }] });
    expect(await ok(['summary', 'publish', summary.id, ...as('dora')])).toContain(`summary ${summary.id} published`);
    expect(JSON.parse(await ok(['plan', 'show', planId, '--json'])).status).toBe('scheduled');

    // Then an operator starts it now, and watches it (token from the environment) to the end.
    const started = JSON.parse(await ok(['rollout', 'start', planId, '--json', ...as('otto')]));
    expect(started).toMatchObject({ planId, status: expect.stringMatching(/^(pending|running)$/) });
    const watch = await tarmac(['rollout', 'watch', started.id], { TARMAC_TOKEN: fleet.tokens.otto! });
    expect({ code: watch.code, stderr: watch.stderr }).toEqual({ code: 0, stderr: '' });
    const lines = watch.stdout.trim().split('\n');
    // Plain lines (stdout is a pipe): the snapshot first, one line per change, the end last.
    expect(lines[0]).toMatch(new RegExp(`^rollout ${started.id}: (pending|running), stage \\w+`));
    expect(lines.at(-1)).toBe(`rollout ${started.id}: succeeded, stage done`);
    expect(watch.stdout).not.toMatch(/\x1b\[/);
    const yf = fleet.hosts.find((h) => h.datacenter === 'yf')!.hostname;
    const yfSteps = lines.filter((line) => line.startsWith(`${yf} `));
    expect(yfSteps).toEqual(expect.arrayContaining([`${yf} wave-yf:replace:web completed`, `${yf} wave-yf:restore:web completed`]));
    expect(lines).toContain(`rollout ${started.id}: running, stage batch, datacenter yf, batch 1/1`);
    for (const host of fleet.hosts) expect(await fleet.serves(host.hostname)).toBe('v2');

    // What happened, from the CLI too.
    const rollout = JSON.parse(await ok(['rollout', 'show', started.id, '--json']));
    expect(rollout).toMatchObject({ status: 'succeeded', stage: 'done' });
    expect(await ok(['rollout', 'show', started.id])).toMatch(new RegExp(`^${yf}\\s+wave yf\\s+done\\s+-\\s+1\\s+yes`, 'm'));
    const audit = JSON.parse(await ok(['audit', '--plan', planId, '--json'])) as { actor: string; action: string }[];
    expect(audit.filter((e) => e.action === 'gate.approved').map((e) => e.actor)).toEqual(['rita', 'quinn', 'sam', 'dora']);
    expect(await ok(['audit', '--plan', planId, '--actor', 'erin'])).toMatch(/erin\s+plan\.created/);

    // Watching a rollout that is over says how it ended, at once.
    expect(await ok(['rollout', 'watch', started.id])).toBe(`rollout ${started.id}: succeeded, stage done\n`);

    // Rolled back from the CLI: without a reason it is a usage error; then every host is on v1 again, and watch exits 1.
    const noReason = await tarmac(['rollout', 'rollback', started.id, ...as('otto')]);
    expect(noReason.code).toBe(2);
    expect(await ok(['rollout', 'rollback', started.id, '-m', 'v2 breaks checkout', ...as('otto')])).toMatch(new RegExp(`^rollout ${started.id}: rolling_back, stage rollback`));
    const rolledBack = await tarmac(['rollout', 'watch', started.id], { TARMAC_TOKEN: fleet.tokens.otto! });
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stdout).toContain(`rollout ${started.id}: rolled_back, stage done\n`);
    expect(rolledBack.stdout.trim().split('\n').at(-1)).toBe('reason: ROLLED_BACK: rolled back by otto: v2 breaks checkout');
    for (const host of fleet.hosts) expect(await fleet.serves(host.hostname)).toBe('v1');
    const again = await tarmac(['rollout', 'rollback', started.id, '-m', 'again', ...as('otto')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: ROLLBACK_ALREADY_STARTED: the rollout has been rolled back/);
    // No ramp, no judgment; the signals of the services since the start are there all the same.
    expect(await ok(['rollout', 'analysis', started.id])).toMatch(/^\(none\)\n\nSERVICE\s+RELEASE\s+DATACENTER/);
  }, 240_000);

  it('keeps watching a paused rollout and exits 1 when it is aborted', async () => {
    const planId = await fleet.approvedPlan(V1, { ramp: { durationSeconds: 30 } });
    const started = JSON.parse(await ok(['rollout', 'start', planId, '--json', ...as('otto')]));
    const watch = start(['rollout', 'watch', started.id], { TARMAC_SERVER: fleet.url, TARMAC_TOKEN: fleet.tokens.otto! });
    // Pausing needs a running rollout (the engine picks a started one up within a poll).
    await watch.waitForOutput(new RegExp(`^rollout ${started.id}: running, `, 'm'), 20_000);

    expect(await ok(['rollout', 'pause', started.id, '-m', 'checking the error rate', ...as('otto')])).toMatch(/: paused, /);
    await watch.waitForOutput(/^reason: PAUSED: paused by otto: checking the error rate$/m, 20_000);
    expect(await ok(['rollout', 'abort', started.id, '-m', 'wrong image', ...as('otto')])).toMatch(/: aborted, /);

    const { code } = await watch.exited;
    expect(code).toBe(1);
    expect(watch.stdout).toMatch(new RegExp(`^rollout ${started.id}: aborted, `, 'm'));
    expect(watch.stdout).toMatch(/^reason: ABORTED: .*wrong image/m);
  }, 120_000);

  it('prints API errors as the API gave them (exit 1) and usage errors with exit 2', async () => {
    // An unknown plan: the API's code and message, on stderr.
    const missing = await tarmac(['plan', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error: [A-Z_]+: .*00000000-0000-4000-8000-000000000000/);

    // A plan file with problems: every issue listed under the error line.
    const bad = join(dir, 'bad-plan.yaml');
    await writeFile(bad, 'title: half a plan\nbatch: { size: { percent: 0 } }\n');
    const refused = await tarmac(['plan', 'create', '-f', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: [A-Z_]+: /);
    expect(refused.stderr).toMatch(/^ {2}requirementSource: /m);

    // A role the user lacks; a bad token.
    expect((await tarmac(['rollout', 'start', '00000000-0000-4000-8000-000000000000', ...as('erin')])).stderr).toMatch(/^error: FORBIDDEN: .*needs the role operator/);
    const unknownToken = await tarmac(['hosts', '--token', 'tmc_api_nope']);
    expect(unknownToken.code).toBe(1);
    expect(unknownToken.stderr).toMatch(/^error: \w+: /);

    // A switch of a known service is set; an unknown service's 404 is printed like any other API error.
    const switched = await tarmac(['switch', 'set', 'web', 'payments.async_retries', 'on', ...as('otto')]);
    expect(switched).toMatchObject({ code: 0, stdout: 'switch payments.async_retries of web is on\n' });
    const unknown = await tarmac(['switch', 'set', 'nope', 'payments.async_retries', 'on', ...as('otto')]);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^error: SERVICE_NOT_FOUND: /);

    // Usage errors: nothing sent, one line, exit 2.
    for (const args of [['plan', 'show'], ['rollout', 'watch'], ['plan', 'create'], ['hosts', '--nope'], ['frobnicate'], ['switch', 'set', 'web', 'x', 'maybe']]) {
      const run = await tarmac(args);
      expect({ args, code: run.code, lines: run.stderr.trim().split('\n').length }).toEqual({ args, code: 2, lines: 1 });
    }
    // No server or token anywhere.
    const nowhere = await tarmac(['hosts'], { TARMAC_CONFIG: join(dir, 'none.json') });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/run tarmac login/);
  }, 60_000);

  it('prefers --server/--token, then TARMAC_SERVER/TARMAC_TOKEN, then the config file', async () => {
    await writeFile(config, JSON.stringify({ server: 'http://127.0.0.1:1', token: 'tmc_api_stale' }));
    // The config file alone points nowhere useful.
    expect((await tarmac(['services'])).code).toBe(1);
    // The environment wins over it...
    expect(await ok(['services', '--json'], { TARMAC_SERVER: fleet.url, TARMAC_TOKEN: fleet.tokens.quinn! })).toContain('"name": "web"');
    // ...and a flag wins over the environment, each setting on its own.
    const flagged = await tarmac(['services', '--token', 'tmc_api_wrong'], { TARMAC_SERVER: fleet.url, TARMAC_TOKEN: fleet.tokens.quinn! });
    expect(flagged.code).toBe(1);
    expect(await ok(['services', '--server', fleet.url], { TARMAC_TOKEN: fleet.tokens.quinn! })).toContain('web');
  }, 60_000);
});

/** A plan file in the shape of examples/plan.yaml, for this fleet's one service. */
function planYaml(image: string): string {
  return `# A launch plan for the test fleet: web to ${image}, preview, ramp, tc then yf.
title: web ${image} from the CLI
requirementSource: CLI-1 (end-to-end test)
description: |
  Rolls the test web service to the next image through the whole release process.
modules: [web]
releases:
  - service: web
    image: "${image}"
targetDatacenters: [tc, yf]
preview:
  hosts: { count: 1 }
  checks:
    - { name: page, type: http, path: /, expectStatus: 200 }
ramp:
  durationSeconds: 0
batch:
  size: { count: 1 }
  minHealthyPercent: 0
  pauseSeconds: 0
autoRollback: false
rollback:
  steps:
    - { services: [web], what: code }
  dataCompatibility:
    forwardCompatible: true
    note: static pages only
plannedLaunchAt: "2030-01-10T10:00:00Z"
`;
}

function summaryYaml(planId: string): string {
  return `title: CLI release
window: { start: "2030-01-10T09:00:00Z", end: "2030-01-10T12:00:00Z" }
notes: one plan, started by hand in the test
plans:
  - { planId: "${planId}", mergeOrder: 1, packageOrder: 1, rollbackOrder: 1 }
`;
}
