// Test traffic: steady GETs to a set of URLs until stopped, counting answers by status.
export interface Traffic {
  /** Answers by status code (0: no answer). */
  readonly statuses: Map<number, number>;
  stop(): Promise<void>;
}

/** Sends `perSecond` requests a second to each URL, each with a 2 s timeout. */
export function startTraffic(urls: string[], perSecond: number): Traffic {
  const statuses = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  const count = (status: number): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const timer = setInterval(() => {
    for (const url of urls) {
      const request = fetch(url, { signal: AbortSignal.timeout(2000) })
        .then(async (response) => {
          await response.arrayBuffer();
          count(response.status);
        })
        .catch(() => count(0))
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
  }, 1000 / perSecond);
  return {
    statuses,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
