// The control plane's event-loop delay during a run, read from its own /metrics.
//
// prom-client's default metrics keep a perf_hooks.monitorEventLoopDelay histogram and
// reset it at every scrape, so each scrape describes the window since the previous one.
// The histogram samples every 10 ms (its resolution) and records the time between two
// samples, so an idle loop reads 10 ms: the delay is the reading minus the resolution.
// One stall is one sample however long it lasts, so a p99 alone cannot see a single
// 20 s stall among thousands of 10 ms ticks: the window's maximum is kept as well.
import request from 'supertest';

const RESOLUTION_S = 0.01;

export interface LoopWindow {
  /** Date.now() at the previous scrape's answer and at this one's: what ran in between caused it. */
  from: number;
  to: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoopReport {
  windows: LoopWindow[];
  /** The worst window's p99 delay. */
  worstP99Ms: number;
  /** The longest single delay seen. */
  maxMs: number;
  /** Set when a scrape failed (the process gone, /metrics broken): the numbers are then partial. */
  error?: string;
}

function gauge(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!match) throw new Error(`/metrics has no ${name}`);
  return Number(match[1]);
}

const toDelayMs = (seconds: number) => Math.max(0, (seconds - RESOLUTION_S) * 1000);

/** Scrapes `url`/metrics every `intervalMs` until stop(); the first scrape starts a clean window. */
export async function watchEventLoop(url: string, token: string, intervalMs = 1000): Promise<{ stop(): Promise<LoopReport> }> {
  const windows: LoopWindow[] = [];
  let from = Date.now();
  const scrape = async (): Promise<LoopWindow> => {
    const { text } = await request(url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    const window = { from, to: Date.now(), p99Ms: toDelayMs(gauge(text, 'tarmac_nodejs_eventloop_lag_p99_seconds')), maxMs: toDelayMs(gauge(text, 'tarmac_nodejs_eventloop_lag_max_seconds')) };
    from = window.to;
    return window;
  };
  await scrape();
  let running = true;
  let error: string | undefined;
  const scrapeInto = async () => {
    try {
      windows.push(await scrape());
    } catch (failure) {
      error = (failure as Error).message;
      running = false;
    }
  };
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      // A scrape waits behind a stall; it still measures it when it gets through.
      await scrapeInto();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      if (!error) await scrapeInto();
      return {
        error,
        windows,
        worstP99Ms: Math.max(...windows.map((w) => w.p99Ms)),
        maxMs: Math.max(...windows.map((w) => w.maxMs)),
      };
    },
  };
}
