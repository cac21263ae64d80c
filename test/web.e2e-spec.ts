// The dashboard in a real headless Chromium against a real control plane, real agents
// in network namespaces and real Podman: the fleet and plans as people see them, a
// rollout started through the API watched in the page until every host cell is done
// (with the control plane killed and restarted on the way: the page catches up without
// a reload and without missing an event), a pause clicked in the page, and the judgment
// chart of a ramp followed by a rollback clicked in the page.
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { launchBrowser, openDashboard, screenshot, type DashboardPage } from './support/browser.js';
import { RolloutFleet } from './support/rollout-fleet.js';
import { testEnv } from './support/test-env.js';
import { waitFor } from './support/wait.js';

const tagOf = (image: string) => image.split(':').at(-1)!;

describe('dashboard in headless Chromium', () => {
  let fleet: RolloutFleet;
  let browser: Browser;
  const pages: DashboardPage[] = [];

  const open = async (user: string, hash = '') => {
    const dashboard = await openDashboard(browser, fleet.url, user === 'admin' ? fleet.adminToken : fleet.tokens[user]!);
    pages.push(dashboard);
    if (hash) await dashboard.page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
    return dashboard;
  };

  beforeAll(async () => {
    fleet = await RolloutFleet.start({ datacenters: { tc: 2, yf: 1 }, preview: 1, env: { TARMAC_JUDGMENT_INTERVAL_MS: '1000' } });
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.close();
  });
  afterEach(() => {
    for (const { errors } of pages.splice(0)) expect(errors).toEqual([]);
  });

  it('serves the page publicly at / without getting in the way of /api, /docs, /healthz and /metrics', async () => {
    const page = await fleet.api().get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    const bundle = await fleet.api().get(script!).expect(200);
    expect(bundle.headers['cache-control']).toMatch(/immutable/);
    // Nothing is fetched from elsewhere at run time.
    expect(page.text).not.toMatch(/https?:\/\//);
    await fleet.api().get('/assets/nope.js').expect(404);
    await fleet.api().get('/api/v1/me').expect(401);
    await fleet.api().get('/healthz').expect(200);
    await fleet.api().get('/docs-json').expect(200);
    await fleet.api().get('/metrics').expect(401);
  });

  it('shows the fleet by datacenter and the plans with their gates and who signed', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2));
    const { page } = await open('dora');
    await page.locator('[data-testid=host-row]').nth(3).waitFor();
    expect(await page.locator('[data-datacenter=tc] [data-testid=host-row]').count()).toBe(3);
    expect(await page.locator('[data-datacenter=yf] [data-testid=host-row]').count()).toBe(1);
    const preview = fleet.hosts.find((h) => h.pool === 'preview')!.hostname;
    const row = await page.locator(`[data-testid=host-row][data-host=${preview}]`).innerText();
    expect(row).toContain('online');
    expect(row).toContain('preview');
    expect(row).toContain(tagOf(testEnv().imageV1));
    await screenshot(page, 'web-fleet');

    await page.getByRole('link', { name: 'Plans' }).click();
    const plan = page.locator(`[data-plan="${planId}"]`);
    await plan.waitFor();
    expect(await plan.locator('[data-testid=gate][data-state=approved]').count()).toBe(4);
    await expect(plan.locator('[data-gate=code_review]').innerText()).resolves.toContain('rita');
    await expect(plan.locator('[data-gate=dispatcher]').innerText()).resolves.toContain('dora');
    await screenshot(page, 'web-plans');

    // A summary a dispatcher drafts meanwhile appears on the timeline without a reload.
    await page.getByRole('link', { name: 'Summaries' }).click();
    await page.getByText('No launch summaries yet.').waitFor();
    const day = 24 * 3600_000;
    const slot = { start: new Date(Date.now() + 2 * day).toISOString(), end: new Date(Date.now() + 2 * day + 3 * 3600_000).toISOString() };
    const entry = { planId, mergeOrder: 1, packageOrder: 1, rollbackOrder: 1 };
    const { body: summary } = await fleet.api().post('/api/v1/summaries').set(fleet.auth('dora')).send({ title: 'Thursday release', window: slot, plans: [entry] }).expect(201);
    const lane = page.locator(`[data-testid=summary][data-summary="${summary.id}"]`);
    await lane.waitFor({ timeout: 10_000 });
    const text = await lane.innerText();
    expect(text).toContain('Thursday release');
    expect(text).toContain('draft');
    expect(text).toContain(`web ${tagOf(testEnv().imageV2)}`);
    await screenshot(page, 'web-summaries');
  });

  it('watches a rollout started through the API until every host cell is done, across a control-plane restart', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2));
    const { page } = await open('otto', '#/rollouts');
    const id = await fleet.startRollout(planId);
    // The new rollout appears in the list live; its page is one click away.
    await page.locator(`[data-rollout="${id}"] a`).click();
    const cells = page.locator('[data-testid=host-cell]');
    // One cell per host, from the first paint: the preview host, tc's two, yf's one.
    await waitFor(async () => (await cells.count()) === 4, { description: 'a cell per host', timeoutMs: 15_000 });
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));

    // When the waves are under way, the control plane dies and comes back.
    await waitFor(async () => (await page.locator('[data-testid=rollout]').getAttribute('data-stage')) === 'batch', { description: 'the waves under way in the page', timeoutMs: 90_000, intervalMs: 50 });
    await screenshot(page, 'web-rollout-running');
    await fleet.killControlPlane();
    await page.locator('[data-testid=live][data-connection=reconnecting]').waitFor({ timeout: 15_000 });
    await fleet.startControlPlane();
    await page.locator('[data-testid=live][data-connection=live]').waitFor({ timeout: 30_000 });

    await waitFor(async () => (await page.locator('[data-testid=host-cell][data-phase=done]').count()) === 4, { description: 'every host cell done', timeoutMs: 150_000, intervalMs: 250 });
    await page.locator('[data-testid=rollout][data-status=succeeded]').waitFor({ timeout: 10_000 });
    expect((await fleet.rollout(id)).status).toBe('succeeded');

    // No reload, one reconnection, no second snapshot (the missed events were replayed), no gap.
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    const live = page.locator('[data-testid=live]');
    expect(Number(await live.getAttribute('data-reconnects'))).toBeGreaterThanOrEqual(1);
    expect(await live.getAttribute('data-snapshots')).toBe('1');
    expect(await live.getAttribute('data-gaps')).toBe('0');
    // Every host step the control plane recorded for this rollout is in the page's log.
    const db = new pg.Client({ connectionString: fleet.database.url });
    await db.connect();
    const recorded = (await db.query(`SELECT seq FROM dashboard_events WHERE type = 'host:steps' AND payload->>'rolloutId' = $1 ORDER BY seq`, [id])).rows.map((r) => Number(r.seq));
    await db.end();
    const shown = (await page.locator('[data-testid=event-log] li[data-kind=step]').evaluateAll((items) => items.map((li) => Number(li.getAttribute('data-seq'))))).sort((a, b) => a - b);
    expect(recorded.length).toBeGreaterThan(10);
    expect(shown).toEqual(recorded);
    await screenshot(page, 'web-rollout-succeeded');
  }, 300_000);

  it('pauses a rollout when Pause is clicked in the page; an engineer is shown no buttons', async () => {
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV1), { ramp: { durationSeconds: 30 } });
    const id = await fleet.startRollout(planId);
    const { page } = await open('otto', `#/rollouts/${id}`);
    const rollout = page.locator('[data-testid=rollout]');
    await waitFor(async () => (await rollout.getAttribute('data-stage')) === 'observe', { description: 'the ramp under way in the page', timeoutMs: 60_000, intervalMs: 100 });

    await page.getByLabel('reason').fill('checking the error rate');
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await fleet.waitForStatus(id, ['paused'], 15_000);
    expect(paused.intents.pause).toMatchObject({ by: 'otto', reason: 'checking the error rate' });
    await page.locator('[data-testid=rollout][data-status=paused]').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await screenshot(page, 'web-rollout-paused');

    const engineer = await open('erin', `#/rollouts/${id}`);
    await engineer.page.locator('[data-testid=rollout][data-status=paused]').waitFor({ timeout: 10_000 });
    expect(await engineer.page.getByRole('button', { name: /Pause|Resume|Abort/ }).count()).toBe(0);

    await page.getByRole('button', { name: 'Abort' }).click();
    await page.getByRole('button', { name: 'Confirm abort' }).click();
    await fleet.waitForStatus(id, ['aborted'], 15_000);
    await page.locator('[data-testid=rollout][data-status=aborted]').waitFor({ timeout: 10_000 });
  }, 180_000);

  it('charts the judgment of the ramp, then rolls the rollout back when Roll back is clicked', async () => {
    // No traffic: each evaluation is inconclusive, and so is the ramp, which pauses.
    const planId = await fleet.approvedPlan(tagOf(testEnv().imageV2), { title: 'web v2 judged', ramp: { durationSeconds: 4, thresholds: { minSamples: 10 } } });
    const id = await fleet.startRollout(planId);
    const { page } = await open('otto', `#/rollouts/${id}`);
    await fleet.waitForStatus(id, ['paused'], 60_000);
    const chart = page.locator('[data-testid=judgment-chart]');
    await waitFor(async () => Number(await chart.getAttribute('data-points')) >= 3, { description: 'the evaluations charted', timeoutMs: 15_000, intervalMs: 100 });
    // Read together: the chart may still be receiving the last evaluation when the test looks.
    const charted = await chart.evaluate((svg) => ({ circles: svg.querySelectorAll('circle.verdict-inconclusive').length, points: Number(svg.getAttribute('data-points')) }));
    expect(charted.circles).toBe(charted.points);
    await page.locator('[data-testid=rollout-reason]', { hasText: 'JUDGMENT_INCONCLUSIVE' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'web-rollout-judgment');

    await page.getByLabel('reason').fill('nothing to judge by');
    await page.getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('button', { name: 'Confirm rollback' }).click();
    const rolled = await fleet.waitForStatus(id, ['rolled_back'], 60_000);
    expect(rolled.rollback).toMatchObject({ by: 'otto', reason: 'nothing to judge by', automatic: false });
    await page.locator('[data-testid=rollout][data-status=rolled_back]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=event-log] li', { hasText: 'rollback-1:replace:web' }).first().waitFor({ timeout: 10_000 });
    expect(await page.getByRole('button', { name: 'Roll back' }).count()).toBe(0);
    await screenshot(page, 'web-rollout-rolled-back');
  }, 180_000);
});
