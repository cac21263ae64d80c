// Signals: what an agent reads from each managed container every few seconds (health,
// restarts, CPU and memory, access-log status counts and latency, error-log lines) and
// sends as `host:signals`. The control plane stores them as short time series and judges
// rollouts by them. How to read a service's logs is part of its container spec.
import { z } from 'zod';
import { boundedRecord } from './record.js';
import { text } from './text.js';
import { ackSchema } from './ack.js';

/** How the agent reads a service's container logs (both streams, line by line). */
export const SignalSources = z.strictObject({
  /**
   * `common`: Common or Combined Log Format lines (`... "GET / HTTP/1.1" 500 12 ...`),
   * with an optional trailing request time in microseconds (Apache `%D`).
   * `json`: one JSON object per line with a status field (and optionally a latency field).
   * `none`: the service logs no requests; judgment then rests on health and restarts.
   */
  accessLog: z.enum(['common', 'json', 'none']).default('common'),
  jsonStatusField: text().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('status'),
  /** Milliseconds. */
  jsonLatencyField: text().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('latencyMs'),
  /** A log line that is not an access-log line and contains one of these (plain text, case-sensitive) is an error line. */
  errorPatterns: z.array(text().min(1).max(200)).max(20).default(['ERROR', 'FATAL', 'panic:']),
});
export type SignalSources = z.infer<typeof SignalSources>;
export const DEFAULT_SIGNAL_SOURCES: SignalSources = SignalSources.parse({});

/** HTTP status code as a string key, `100`-`599`. */
const StatusCode = text().regex(/^[1-5][0-9]{2}$/, 'must be an HTTP status code');
const count = z.number().int().nonnegative().max(1e12);

/** One container's signals over the interval since its previous sample. Counters are deltas. */
export const ContainerSignals = z.strictObject({
  service: text().min(1).max(63),
  /** The container's `tarmac.release` label. */
  release: text().min(1).max(128),
  image: text().min(1).max(512),
  /** The last health probe of the interval; null when the container has no check the agent can run. */
  healthy: z.boolean().nullable(),
  healthFailures: count,
  /** Restarts of the container (engine restart count, or the container found not running) in the interval. */
  restarts: count,
  cpuPercent: z.number().nonnegative().max(1e6),
  memoryBytes: count,
  /** Access-log lines by status code. */
  statusCounts: boundedRecord(StatusCode, count, 100, 'status codes'),
  /** Sum and count of the latencies the access log carried, in milliseconds. */
  latencyMsSum: z.number().nonnegative().max(1e15),
  latencyCount: count,
  errorLines: count,
});
export type ContainerSignals = z.infer<typeof ContainerSignals>;

/** Agent -> control plane, `host:signals`: every managed running container of the host. */
export const HostSignals = z.strictObject({
  /** How long the samples cover, in milliseconds. */
  intervalMs: z.number().int().positive().max(3_600_000),
  containers: z.array(ContainerSignals).max(500),
});
export type HostSignals = z.infer<typeof HostSignals>;
export const HostSignalsAck = ackSchema(z.object({}));

export const SIGNALS_EVENT = 'host:signals';
