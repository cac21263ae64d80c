// Scenario 6: bounded work per request. Hostile bodies at the 1 MB body limit (YAML and
// JSON plans of many keys, long lists, deep nesting; big arrays and records in other
// bodies) are sent one at a time. Two measures of how long each held every other request
// (heartbeats, acks, /healthz) up: the control plane's own event-loop delay, the maximum
// perf_hooks.monitorEventLoopDelay saw while the request ran (tarmac_nodejs_eventloop_lag_max_seconds
// on /metrics, which resets it on each scrape); and, from outside, the longest wait of a
// probe asking for the dashboard page (served from memory) over and over meanwhile.
import http from 'node:http';
import { createBenchDatabase } from '../harness/database.js';
import { startControlPlane } from '../harness/control-plane.js';
import { api } from '../harness/api.js';
import { planBody as planJson, planYaml } from '../harness/plan-body.js';
import { round } from '../harness/stats.js';
import { numberFlag, sleep, type Scenario } from './scenario.js';

const BODY_LIMIT = 1024 * 1024;
const TARGET_MS = 50;

interface Case {
  name: string;
  method: string;
  path: string;
  contentType: string;
  body: string;
}

/** As many `unit`s as fit in the body limit once `wrap` is around them. */
function fill(unit: (i: number) => string, separator: string, wrap: (inner: string) => string): string {
  const overhead = Buffer.byteLength(wrap(''));
  const parts: string[] = [];
  let size = overhead;
  for (let i = 0; ; i++) {
    const part = unit(i);
    const added = Buffer.byteLength(part) + (i > 0 ? separator.length : 0);
    if (size + added > BODY_LIMIT - 64) break;
    parts.push(part);
    size += added;
  }
  return wrap(parts.join(separator));
}

/** The deepest balanced nesting that fits in the body limit. */
function nested(build: (depth: number) => string): string {
  const overhead = Buffer.byteLength(build(0));
  return build(Math.floor((BODY_LIMIT - 64 - overhead) / 2));
}

function cases(): Case[] {
  const yaml = (name: string, body: string): Case => ({ name, method: 'POST', path: '/api/v1/plans', contentType: 'application/yaml', body });
  const json = (name: string, path: string, body: string, method = 'POST'): Case => ({ name, method, path, contentType: 'application/json', body });
  const thirtyThousandKeys = `extra:\n${Array.from({ length: 30_000 }, (_, i) => `  k${i}: ${i}`).join('\n')}\n`;
  return [
    yaml('YAML plan, 30,000 keys (~400 KB, the reported stall)', planYaml(thirtyThousandKeys)),
    yaml('YAML plan, keys to the body limit', fill((i) => `  k${i}: ${i}`, '\n', (inner) => planYaml(`extra:\n${inner}\n`))),
    yaml('YAML plan, one list to the body limit', fill(() => '0', ', ', (inner) => planYaml(`extra: [${inner}]\n`))),
    yaml('YAML plan, nesting to the body limit', nested((depth) => planYaml(`extra: ${'['.repeat(depth)}${']'.repeat(depth)}\n`))),
    yaml('YAML plan, 5,000 duplicate keys', planYaml(Array.from({ length: 5_000 }, () => 'title: again').join('\n'))),
    json('JSON plan, keys to the body limit', '/api/v1/plans', fill((i) => `"k${i}":${i}`, ',', (inner) => JSON.stringify(planJson()).replace(/}$/, `,"extra":{${inner}}}`))),
    json('JSON plan, modules list to the body limit', '/api/v1/plans', fill(() => '"m"', ',', (inner) => JSON.stringify(planJson()).replace('"modules":["checkout-web"]', `"modules":[${inner}]`))),
    json('JSON plan, a 1 MB description', '/api/v1/plans', JSON.stringify(planJson({ description: 'x'.repeat(BODY_LIMIT - 1024) }))),
    json('JSON body, nesting to the body limit', '/api/v1/agent-tokens', nested((depth) => `{"name":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
    json('JSON body, 1 MB string with a NUL at the end', '/api/v1/agent-tokens', JSON.stringify({ name: `${'x'.repeat(BODY_LIMIT - 1024)}\u0000` })),
    json('service config, files record to the body limit', '/api/v1/services/web/configs', fill((i) => `"f${i}.conf":"x"`, ',', (inner) => `{"files":{${inner}}}`)),
    json('user roles, array to the body limit', '/api/v1/users', fill(() => '"qa"', ',', (inner) => `{"name":"bench-user","roles":[${inner}]}`)),
    json('summary, plans array to the body limit', '/api/v1/summaries', fill(() => '{"planId":"00000000-0000-4000-8000-000000000000","mergeOrder":1,"packageOrder":1,"rollbackOrder":1}', ',', (inner) => `{"title":"t","window":{"start":"2027-01-01T00:00:00Z","end":"2027-01-02T00:00:00Z"},"plans":[${inner}]}`)),
  ];
}

/** Requests the page again and again on one keep-alive connection; records each wait. */
class Probe {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private running = false;
  private waits: number[] = [];
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  start(): void {
    this.running = true;
    this.waits = [];
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        await this.get();
        this.waits.push(performance.now() - started);
      }
    })();
  }

  async stop(): Promise<number[]> {
    this.running = false;
    await this.loop;
    return this.waits;
  }

  close(): void {
    this.agent.destroy();
  }

  private get(): Promise<void> {
    return new Promise((resolve, reject) => {
      http
        .get(`${this.url}/`, { agent: this.agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
        .on('error', reject);
    });
  }
}

/** The largest event-loop delay since the previous scrape, in ms (prom-client resets it on each one). */
async function eventLoopMaxMs(url: string, token: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
  const match = /^tarmac_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(text);
  if (!match) throw new Error('no tarmac_nodejs_eventloop_lag_max_seconds on /metrics');
  return Number(match[1]) * 1000;
}

export const requestBounds: Scenario = {
  name: 'request-bounds',
  summary: 'hostile bodies at the 1 MB limit (YAML/JSON plans, lists, nesting, records), one at a time; the longest event-loop hold each causes',
  async run({ flags, log }) {
    const repeats = numberFlag(flags, 'repeat', 3);
    const only = flags.only;
    const database = await createBenchDatabase(log);
    const plane = await startControlPlane(database.url);
    const probe = new Probe(plane.url);
    try {
      const admin = (method: string, path: string, body?: unknown) => api(plane.url, plane.adminToken, method, path, body);
      await admin('POST', '/api/v1/datacenters', { name: 'tc', rolloutOrder: 1 });
      await admin('POST', '/api/v1/services', { name: 'web', role: 'frontend', imageRepository: '127.0.0.1:5000/bench/web', container: { ports: [{ container: 8080 }], healthCheck: { type: 'http', path: '/', port: 8080, timeoutMs: 1000, intervalMs: 2000 } } });

      await eventLoopMaxMs(plane.url, plane.adminToken);
      probe.start();
      await sleep(2000);
      const idle = await probe.stop();
      const idleMax = Math.max(...idle);
      const idleLag = await eventLoopMaxMs(plane.url, plane.adminToken);

      const rows = [];
      const data: Record<string, unknown>[] = [];
      let worst = 0;
      for (const testCase of cases().filter((c) => !only || c.name.includes(only))) {
        const holds: number[] = [];
        const lags: number[] = [];
        const durations: number[] = [];
        const statuses = new Set<string>();
        for (let i = 0; i < repeats; i++) {
          await eventLoopMaxMs(plane.url, plane.adminToken); // resets the maximum
          probe.start();
          await sleep(100);
          const started = performance.now();
          const response = await fetch(`${plane.url}${testCase.path}`, {
            method: testCase.method,
            headers: { Authorization: `Bearer ${plane.adminToken}`, 'Content-Type': testCase.contentType },
            body: testCase.body,
          });
          const answer = (await response.json().catch(() => ({}))) as { error?: string };
          durations.push(performance.now() - started);
          await sleep(50);
          holds.push(Math.max(...(await probe.stop())));
          lags.push(await eventLoopMaxMs(plane.url, plane.adminToken));
          statuses.add(`${response.status} ${answer.error ?? ''}`.trim());
        }
        const hold = Math.max(...holds);
        const lag = Math.min(...lags);
        worst = Math.max(worst, lag);
        log(`${testCase.name}: ${[...statuses].join(', ')}; event-loop delay max ${lags.map(round).join(' / ')} ms; longest probe wait ${round(hold)} ms; request ${round(Math.max(...durations))} ms`);
        rows.push({
          metric: `${testCase.name} (${Math.round(Buffer.byteLength(testCase.body) / 1024)} KiB) → ${[...statuses].join(', ')}: event-loop delay max, best (worst) of ${repeats} / longest probe wait`,
          value: `${round(lag)} (${round(Math.max(...lags))}) / ${round(hold)}`,
          unit: 'ms',
          target: `≤ ${TARGET_MS} ms`,
          met: lag <= TARGET_MS,
        });
        data.push({ case: testCase.name, bytes: Buffer.byteLength(testCase.body), statuses: [...statuses], eventLoopMaxMs: lags.map(round), probeWaitMs: holds.map(round), requestMs: durations.map(round) });
      }
      return {
        scenario: 'request-bounds',
        title: 'Bounded work per request: the longest the event loop is held by one hostile body at the 1 MB limit',
        parameters: { repeats, bodyLimitBytes: BODY_LIMIT, only: only ?? null },
        standIns: ['the probe (GET / from memory, one keep-alive connection) stands in for heartbeats, acks and /healthz: anything waiting for the event loop'],
        notes: [
          'event-loop delay max: the best of the repeats, since a repeat on a machine busy with other work shows that work too; every repeat is in the JSON',
          'longest probe wait = the longest any other request waited while this one was being handled, network and the page itself included (see the idle row)',
          'the probe and the bench share the machine with PostgreSQL and the control plane (2 cores): a busy machine lengthens every wait',
        ],
        rows: [
          { metric: 'idle (the probe only) for 2 s: event-loop delay max / longest probe wait', value: `${round(idleLag)} / ${round(idleMax)}`, unit: 'ms' },
          { metric: 'idle: probes answered per second', value: round(idle.length / 2) },
          ...rows,
          { metric: 'worst case: event-loop delay max', value: round(worst), unit: 'ms', target: `≤ ${TARGET_MS} ms`, met: worst <= TARGET_MS },
        ],
        data: { idleMaxMs: round(idleMax), cases: data },
      };
    } finally {
      probe.close();
      await plane.stop();
      await database.drop();
    }
  },
};
