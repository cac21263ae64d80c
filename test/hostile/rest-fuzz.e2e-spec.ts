// Hostile input on every REST route the control plane's OpenAPI document declares, as
// every kind of caller: never a 5xx, every 4xx names its problem in the API's error
// shape, the process never crashes, and its event loop keeps up (the delay it reports on
// its own /metrics). Routes are read at run time, so a new route is fuzzed unedited.
import fc from 'fast-check';
import { ROLES } from '../../apps/control-plane/src/auth/principal.js';
import { watchEventLoop, type LoopWindow } from '../support/hostile/event-loop.js';
import { seedRows, type HostileRows } from '../support/hostile/fixtures.js';
import { answerLabel, describeAnswer, describeCase, httpCase, judge, send, violationsOf, type HttpCase } from '../support/hostile/http-cases.js';
import { fixedCases, poisonCases } from '../support/hostile/http-sweeps.js';
import { RAW_REQUESTS, rawRequest } from '../support/hostile/raw-http.js';
import { readApiDocument, type ApiDocument } from '../support/hostile/openapi.js';
import { fullSize, hostileRuns, hostileSeed, inPool } from '../support/hostile/size.js';
import { describeValue, Tally } from '../support/hostile/tally.js';
import { killAll } from '../support/processes.js';
import { startSpawnedControlPlane, type SpawnedControlPlane } from '../support/spawned-control-plane.js';

const RUNS = hostileRuns(1500);
const SEED = hostileSeed();
const CONCURRENCY = 4;
/**
 * The bar for the p99 delay. The longest single stall gets ten times that: a
 * loaded CI machine descheduling the process for a moment is not a finding, and a p99
 * alone cannot see one long stall (event-loop.ts).
 */
const P99_LIMIT_MS = 50;
const STALL_LIMIT_MS = 500;

/** The requests in flight during each window whose delay broke a limit, longest first: the suspects. */
function stalls(windows: LoopWindow[], spans: { c: HttpCase; from: number; to: number }[]): string[] {
  return windows
    .filter((w) => w.maxMs >= STALL_LIMIT_MS || w.p99Ms >= P99_LIMIT_MS)
    .flatMap((w) => [
      '',
      `Stall of ${w.maxMs.toFixed(0)} ms (p99 ${w.p99Ms.toFixed(0)} ms) between ${new Date(w.from).toISOString()} and ${new Date(w.to).toISOString()}, requests in flight:`,
      ...spans
        .filter((s) => s.from < w.to && s.to > w.from)
        .sort((a, b) => b.to - b.from - (a.to - a.from))
        .slice(0, 8)
        .map((s) => `  ${s.to - s.from} ms: ${describeCase(s.c)}`),
    ]);
}

describe('hostile REST input', () => {
  let cp: SpawnedControlPlane;
  let rows: HostileRows | undefined;
  let api: ApiDocument;
  const authorizations: Record<string, string | undefined> = {};
  const known: Record<string, string[]> = {};

  beforeAll(async () => {
    cp = await startSpawnedControlPlane();
    api = await readApiDocument(cp.url);
    authorizations.admin = cp.admin();
    const tokens: Record<string, string> = {};
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      tokens[role] = await cp.userToken(`hostile-${role}`, [role]);
      authorizations[role] = `Bearer ${tokens[role]}`;
    }
    authorizations['no token'] = undefined;
    authorizations['forged token'] = 'Bearer tmc_api_forged_0000000000000000';
    // Real rows behind some path parameters, so a spoiled body gets past "not found" to the code that writes.
    rows = await seedRows(cp, tokens.engineer!);
    Object.assign(known, {
      name: ['web', 'worker', 'tc-1', 'hostile-engineer'],
      id: [rows.planId, rows.agentTokenId],
      service: ['web'],
      datacenter: ['tc', 'yf'],
      gate: ['code_review', 'qa', 'supervisor', 'dispatcher'],
      switch: ['new-checkout'],
      version: ['1'],
    });
  }, 120_000);

  afterAll(async () => {
    rows?.fleet.close();
    await cp?.close();
    await killAll();
  });

  it(`answers ${RUNS} hostile requests over every route without a 5xx, a nameless 4xx, a crash or a stalled loop`, async () => {
    const callers = Object.keys(authorizations);
    const perRoute = Math.max(1, Math.ceil(RUNS / api.operations.length));
    const cases: HttpCase[] = [];
    for (const [i, operation] of api.operations.entries()) {
      cases.push(...fc.sample(httpCase(operation, callers, known, api.resolve), { numRuns: perRoute, seed: SEED + i }));
    }
    cases.push(...fixedCases(api.operations, 'engineer'), ...poisonCases(api.operations, known, api.resolve, 'admin'));
    // Interleaved, so a slow route does not run alone at the end.
    const order = fc.sample(fc.shuffledSubarray(cases, { minLength: cases.length }), { numRuns: 1, seed: SEED })[0]!;

    const tally = new Tally(`REST fuzz: ${order.length} requests over ${api.operations.length} routes (seed ${SEED})`);
    const loop = await watchEventLoop(cp.url, cp.adminToken);
    const started = Date.now();
    const spans: { c: HttpCase; from: number; to: number }[] = [];
    await inPool(order, CONCURRENCY, async (c) => {
      const from = Date.now();
      const answer = await send(cp.url, c, authorizations[c.caller]);
      spans.push({ c, from, to: Date.now() });
      tally.record(c.operation.id, answerLabel(answer), violationsOf(c, answer));
    });
    const elapsedS = (Date.now() - started) / 1000;
    const delay = await loop.stop();
    const health = await cp.http().get('/healthz').then((r) => r.status, (e: Error) => e.message);

    tally.print([
      '',
      '| event loop | value | limit |',
      '| --- | --- | --- |',
      `| worst 1 s window p99 | ${delay.worstP99Ms.toFixed(1)} ms | ${P99_LIMIT_MS} ms |`,
      `| longest stall | ${delay.maxMs.toFixed(1)} ms | ${STALL_LIMIT_MS} ms |`,
      `| windows | ${delay.windows.length} | |`,
      ...stalls(delay.windows, spans),
      '',
      `${order.length} requests in ${elapsedS.toFixed(1)} s, ${CONCURRENCY} at a time; /healthz after: ${health}; replay with TARMAC_HOSTILE_SEED=${SEED} TARMAC_HOSTILE_RUNS=${RUNS}`,
      ...(delay.error ? [`event-loop scrape failed: ${delay.error}`] : []),
    ]);

    expect({ exit: cp.exit(), health }).toEqual({ exit: undefined, health: 200 });
    expect(tally.violations()).toEqual([]);
    expect(delay.error).toBeUndefined();
    expect(delay.worstP99Ms).toBeLessThan(P99_LIMIT_MS);
    expect(delay.maxMs).toBeLessThan(STALL_LIMIT_MS);
  }, fullSize() ? 3_600_000 : 600_000);

  it('answers requests no client would send (raw control characters, bad headers) in the same error shape', async () => {
    const tally = new Tally('Raw HTTP requests Node parses before the application');
    for (const { note, head } of RAW_REQUESTS) {
      const answer = await rawRequest(cp.url, head(cp.adminToken));
      const judged = 'error' in answer ? answer : { ...answer, text: answer.body, body: parseJson(answer.body) };
      tally.record(note, answerLabel(judged), judge(judged).map((property) => ({ property, sent: describeValue(head('<token>'), 120), got: describeAnswer(judged) })));
    }
    tally.print();
    expect({ exit: cp.exit(), violations: tally.violations() }).toEqual({ exit: undefined, violations: [] });
  });
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
