// How many cases a hostile spec runs, and the seed it draws them from. CI size by default
// (the whole suite pays about a minute for it); `npm run test:hostile` sets
// TARMAC_HOSTILE_RUNS=10000. TARMAC_HOSTILE_SEED replays a run printed earlier.

const CI_RUNS = 300;

export function hostileRuns(ciRuns = CI_RUNS): number {
  const value = process.env.TARMAC_HOSTILE_RUNS;
  if (!value) return ciRuns;
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`TARMAC_HOSTILE_RUNS: must be a positive integer, got ${JSON.stringify(value)}`);
  return runs;
}

export function hostileSeed(): number {
  const value = process.env.TARMAC_HOSTILE_SEED;
  if (value) return Number(value);
  return Math.floor(Math.random() * 2 ** 31);
}

/** Whether this is the full-size run (more time allowed per test). */
export function fullSize(): boolean {
  return hostileRuns() > CI_RUNS;
}

/** Runs `work` over `items` with at most `concurrency` in flight, in order of start. */
export async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
