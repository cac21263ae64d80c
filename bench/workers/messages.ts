// What the bench coordinator and its worker processes say to each other over the
// child-process IPC channel.
import type { AgentIdentity } from '../harness/fixtures.js';

export interface AgentWorkerInit {
  type: 'init';
  serverUrl: string;
  agents: AgentIdentity[];
  datacenter: string;
  /** `changed`: every heartbeat carries a new container list (the emit time in its id), so it writes a dashboard event. */
  heartbeat: 'unchanged' | 'changed';
  /** Which dispatched commands the stand-in answers with command:completed, after `stepMs`. */
  complete: 'all' | 'none';
  stepMs: number;
  registerTimeoutMs: number;
}

export type ToAgentWorker = AgentWorkerInit | { type: 'connect' } | { type: 'measure'; on: boolean } | { type: 'collect' } | { type: 'stop' };

export interface DispatchRecord {
  hostname: string;
  key: string;
  seq: number;
  receivedAt: number;
  duplicate: boolean;
}

export interface AgentWorkerReport {
  agents: number;
  /** Epoch ms of each agent's first acknowledged registration (undefined: never). */
  registeredAt: (number | null)[];
  connectErrors: Record<string, number>;
  disconnects: Record<string, number>;
  registerRetries: number;
  fatalRefusals: number;
  heartbeatsSent: number;
  heartbeatsRefused: number;
  heartbeatAckMs: [number, number][];
  /** The interval the control plane last told any of this worker's agents (it paces a large fleet). */
  heartbeatIntervalMs: number | null;
  dispatches: DispatchRecord[];
  completionsSent: number;
  completionsFailed: number;
  workerRssMb: number;
}

export type FromAgentWorker =
  | { type: 'ready' }
  | { type: 'progress'; registered: number; connected: number }
  | { type: 'collected'; report: AgentWorkerReport }
  | { type: 'error'; message: string };

export interface DashboardWorkerInit {
  type: 'init';
  serverUrl: string;
  token: string;
  subscribers: number;
}

export type ToDashboardWorker = DashboardWorkerInit | { type: 'connect' } | { type: 'measure'; on: boolean } | { type: 'collect' } | { type: 'stop' };

export interface DashboardWorkerReport {
  subscribers: number;
  snapshots: number;
  /** Agent heartbeat emit -> this subscriber's receipt of the host:updated it caused. */
  latencyMs: [number, number][];
  eventsReceived: number;
  /** Events checked against the protocol schema (a sample), and how many failed. */
  validated: number;
  invalid: number;
  /** Events with a sequence number beyond the next one expected (one or more missed). */
  seqGaps: number;
  /** Events at or below the sequence already seen (including the snapshot's): repeats. */
  stale: number;
  /** The first few: the sequence before, the one received, and how many events after the snapshot. */
  gapExamples: { after: number; got: number; sinceSnapshot: number }[];
  workerRssMb: number;
}

export type FromDashboardWorker =
  | { type: 'ready' }
  | { type: 'progress'; live: number }
  | { type: 'collected'; report: DashboardWorkerReport }
  | { type: 'error'; message: string };
