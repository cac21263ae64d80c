// Summaries of latency samples: nearest-rank percentiles over a sorted copy.

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export const round = (value: number, digits = 1): number => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);

/**
 * Latencies at 0.1 ms resolution, as counts per bucket: mergeable across worker
 * processes without shipping every sample over IPC.
 */
export class Histogram {
  readonly buckets = new Map<number, number>();
  count = 0;

  record(ms: number): void {
    const bucket = Math.max(0, Math.round(ms * 10));
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count++;
  }

  toJSON(): [number, number][] {
    return [...this.buckets.entries()];
  }

  static merge(parts: [number, number][][]): Histogram {
    const merged = new Histogram();
    for (const part of parts) {
      for (const [bucket, count] of part) {
        merged.buckets.set(bucket, (merged.buckets.get(bucket) ?? 0) + count);
        merged.count += count;
      }
    }
    return merged;
  }

  distribution(): Distribution {
    const entries = [...this.buckets.entries()].sort((a, b) => a[0] - b[0]);
    const at = (p: number): number => {
      const rank = Math.max(1, Math.ceil((p / 100) * this.count));
      let seen = 0;
      for (const [bucket, count] of entries) {
        seen += count;
        if (seen >= rank) return bucket / 10;
      }
      return NaN;
    };
    const sum = entries.reduce((total, [bucket, count]) => total + (bucket / 10) * count, 0);
    return {
      count: this.count,
      min: entries.length ? entries[0]![0] / 10 : NaN,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      max: entries.length ? entries.at(-1)![0] / 10 : NaN,
      mean: this.count ? sum / this.count : NaN,
    };
  }
}
