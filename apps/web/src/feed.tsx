// The live feed from /dashboard, kept as the page's state: the fleet from the hosts
// snapshot plus its deltas, every rollout heard of, and a log per watched rollout.
//
// Every event carries the sequence number of the change it reports. The feed keeps the
// last one it applied; when the connection drops, socket.io reconnects with
// `auth.sinceSeq` set to it and the server replays what was missed, in order. If the
// server cannot replay from there it sends a fresh snapshot instead: the feed replaces
// its state, asks again for the snapshots of the rollouts it watches, and tells the
// views to refetch what they read over HTTP.
import { io, type Socket } from 'socket.io-client';
import {
  DASHBOARD_NAMESPACE,
  DashboardEvent,
  DashboardEventSchemas,
  DashboardRefusal,
  onDashboardEvents,
  RolloutWatchAck,
  RolloutWatchEvent,
  withHostChanges,
  type HostStepsChange,
  type HostView,
  type RolloutChange,
  type RolloutView,
} from '../../../libs/protocol/src/index.js';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LogEntry {
  seq: number;
  /** When the page heard it (the events carry no time of their own). */
  at: Date;
  /** The hosts a step line is about; none for a line about the rollout. */
  hostnames: string[];
  text: string;
  status: string;
  reason: { code: string; message: string } | null;
}

export interface WatchedRollout {
  /** The sequence number this view is at: events up to it are already in it. */
  seq: number;
  view: RolloutView;
  /**
   * Whether `view.hosts` holds every host: a snapshot and the events after it. Events
   * carry only the hosts they changed, so a rollout heard of through events alone has
   * its header and host counts, and no hosts, until a snapshot is asked for (watch()).
   */
  complete: boolean;
}

export interface FeedState {
  connection: Connection;
  refusal: string | null;
  lastSeq: number | undefined;
  /** Sequence numbers skipped without a snapshot in between; the server promises none. */
  gaps: number;
  reconnects: number;
  snapshots: number;
  hosts: HostView[];
  rollouts: ReadonlyMap<string, WatchedRollout>;
  logs: ReadonlyMap<string, readonly LogEntry[]>;
  watchErrors: ReadonlyMap<string, string>;
  /** Bumped when something read over HTTP changed: views that show it refetch. */
  versions: { plans: number; summaries: number; rollouts: number };
}

type EventName = keyof typeof DashboardEventSchemas;
const LOG_LIMIT = 2000;

export class LiveFeed {
  private state: FeedState = {
    connection: 'connecting',
    refusal: null,
    lastSeq: undefined,
    gaps: 0,
    reconnects: 0,
    snapshots: 0,
    hosts: [],
    rollouts: new Map(),
    logs: new Map(),
    watchErrors: new Map(),
    versions: { plans: 0, summaries: 0, rollouts: 0 },
  };
  private readonly listeners = new Set<() => void>();
  private readonly watched = new Map<string, number>();
  private readonly socket: Socket;
  private connectedBefore = false;

  constructor(token: string) {
    this.socket = io(DASHBOARD_NAMESPACE, {
      transports: ['websocket'],
      // Called on every (re)connection attempt, so each carries the latest sequence seen.
      auth: (send) => send(this.state.lastSeq === undefined ? { token } : { token, sinceSeq: this.state.lastSeq }),
      reconnectionDelay: 250,
      reconnectionDelayMax: 2000,
    });
    this.socket.on('connect', () => {
      if (this.connectedBefore) this.update({ reconnects: this.state.reconnects + 1 });
      this.connectedBefore = true;
      this.update({ connection: 'live', refusal: null });
      // Snapshots asked for while the connection was down never got an answer.
      for (const id of this.watched.keys()) if (!this.state.rollouts.has(id)) void this.requestSnapshot(id);
    });
    this.socket.on('disconnect', (reason) => {
      this.update({ connection: 'reconnecting' });
      // A disconnect by the server is not retried by socket.io on its own.
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 500);
    });
    this.socket.on('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      const code = error.data?.code;
      if (code === DashboardRefusal.ApiTokenInvalid || code === DashboardRefusal.HandshakeInvalid || code === DashboardRefusal.OriginNotAllowed) {
        this.update({ connection: 'refused', refusal: error.data?.message ?? error.message });
        return;
      }
      this.update({ connection: 'reconnecting' });
      // A refusal by the server's middleware (UNAVAILABLE) is not retried by socket.io on its own.
      if (code !== undefined) setTimeout(() => this.socket.connect(), 1000);
    });
    // The snapshot comes as its own event; everything after it in `events` frames.
    const handlers = Object.fromEntries(
      Object.entries(DashboardEventSchemas).map(([name, schema]) => [
        name,
        (payload: unknown) => {
          const parsed = schema.safeParse(payload);
          if (!parsed.success) {
            console.error(`tarmac: ${name} does not match the protocol`, parsed.error);
            return;
          }
          this.receive(name as EventName, parsed.data);
        },
      ]),
    );
    this.socket.on(DashboardEvent.HostsSnapshot, handlers[DashboardEvent.HostsSnapshot]!);
    onDashboardEvents(this.socket, handlers, (error) => console.error('tarmac: an events frame does not match the protocol', error));
  }

  get current(): FeedState {
    return this.state;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts following a rollout: its snapshot now, then the live events after it. */
  watch(rolloutId: string): () => void {
    this.watched.set(rolloutId, (this.watched.get(rolloutId) ?? 0) + 1);
    void this.requestSnapshot(rolloutId);
    return () => {
      const left = (this.watched.get(rolloutId) ?? 1) - 1;
      if (left > 0) this.watched.set(rolloutId, left);
      else this.watched.delete(rolloutId);
    };
  }

  close(): void {
    this.socket.disconnect();
    this.listeners.clear();
  }

  private async requestSnapshot(rolloutId: string): Promise<void> {
    if (!this.socket.connected) return; // asked again on connect
    let raw: unknown;
    try {
      raw = await this.socket.timeout(15_000).emitWithAck(RolloutWatchEvent, { rolloutId });
    } catch {
      return; // the connection dropped meanwhile: asked again on connect
    }
    const ack = RolloutWatchAck.safeParse(raw);
    const errors = new Map(this.state.watchErrors);
    if (!ack.success || !ack.data.ok) {
      errors.set(rolloutId, ack.success && !ack.data.ok ? `${ack.data.code}: ${ack.data.message}` : 'the snapshot does not match the protocol');
      this.update({ watchErrors: errors });
      return;
    }
    errors.delete(rolloutId);
    this.update({ watchErrors: errors });
    this.applySnapshot(ack.data.data.seq, ack.data.data.rollout);
  }

  private receive(name: EventName, payload: { seq: number }): void {
    if (name === 'hosts:snapshot') {
      const snapshot = payload as { seq: number; hosts: HostView[] };
      const fresh = this.state.snapshots > 0;
      const v = this.state.versions;
      this.update({
        hosts: snapshot.hosts,
        lastSeq: snapshot.seq,
        snapshots: this.state.snapshots + 1,
        // A second snapshot means the server could not replay the gap: everything may have moved.
        ...(fresh ? { rollouts: new Map(), versions: { plans: v.plans + 1, summaries: v.summaries + 1, rollouts: v.rollouts + 1 } } : {}),
      });
      if (fresh) for (const id of this.watched.keys()) void this.requestSnapshot(id);
      return;
    }
    const last = this.state.lastSeq;
    if (last !== undefined && payload.seq <= last) return; // already applied
    const gaps = last !== undefined && payload.seq > last + 1 ? this.state.gaps + (payload.seq - last - 1) : this.state.gaps;
    this.state = { ...this.state, lastSeq: payload.seq, gaps };
    this.apply(name, payload);
    this.notify();
  }

  private apply(name: Exclude<EventName, 'hosts:snapshot'>, payload: { seq: number }): void {
    const v = this.state.versions;
    switch (name) {
      case 'host:connected':
      case 'host:updated':
      case 'host:disconnected': {
        const { host } = payload as { seq: number; host: HostView };
        const hosts = this.state.hosts.filter((h) => h.hostname !== host.hostname);
        this.state = { ...this.state, hosts: [...hosts, host] };
        return;
      }
      case 'plan:created':
      case 'plan:updated':
      case 'plan:scheduled':
        this.state = { ...this.state, versions: { ...v, plans: v.plans + 1 } };
        return;
      case 'plan:started':
        this.state = { ...this.state, versions: { ...v, plans: v.plans + 1, rollouts: v.rollouts + 1 } };
        return;
      case 'summary:created':
      case 'summary:published':
        this.state = { ...this.state, versions: { ...v, summaries: v.summaries + 1 } };
        return;
      case 'rollout:updated': {
        const change = payload as RolloutChange;
        const current = this.state.rollouts.get(change.rollout.id);
        // An event at or before the view's sequence is already in it (the snapshot may overtake it).
        if (current && current.seq >= change.seq) return;
        const complete = current?.complete ?? false;
        const hosts = complete ? withHostChanges(current!.view.hosts, change.hosts) : [];
        this.setRollout(change.seq, { ...change.rollout, hosts }, complete, 'event');
        return;
      }
      case 'host:steps': {
        const step = payload as HostStepsChange;
        this.appendLog(step.rolloutId, {
          seq: step.seq,
          at: new Date(),
          hostnames: step.hostnames,
          text: `${step.step}${step.attempt > 1 ? ` (attempt ${step.attempt})` : ''}`,
          status: step.status,
          reason: step.reason,
        });
        return;
      }
      default: {
        const unhandled: never = name;
        throw new Error(`unhandled dashboard event ${String(unhandled)}`);
      }
    }
  }

  private applySnapshot(seq: number, view: RolloutView): void {
    const current = this.state.rollouts.get(view.id);
    if (current?.complete && current.seq >= seq) return; // the events since are in it already
    if (current && current.seq > seq) {
      // Heard of through events only, and older than them: it lacks the hosts those
      // events changed; a snapshot asked now includes them.
      if (this.watched.has(view.id)) void this.requestSnapshot(view.id);
      return;
    }
    this.setRollout(seq, view, true, 'snapshot');
    this.notify();
  }

  private setRollout(seq: number, view: RolloutView, complete: boolean, source: 'snapshot' | 'event'): void {
    const current = this.state.rollouts.get(view.id);
    const rollouts = new Map(this.state.rollouts);
    rollouts.set(view.id, { seq, view, complete });
    this.state = { ...this.state, rollouts };
    const before = current?.view;
    const headline = describe(view);
    if (source === 'snapshot' || !before || describe(before) !== headline || before.reason?.code !== view.reason?.code) {
      this.appendLog(view.id, { seq, at: new Date(), hostnames: [], text: source === 'snapshot' ? `snapshot: ${headline}` : headline, status: view.status, reason: view.reason });
    }
  }

  private appendLog(rolloutId: string, entry: LogEntry): void {
    const logs = new Map(this.state.logs);
    logs.set(rolloutId, [...(logs.get(rolloutId) ?? []), entry].slice(-LOG_LIMIT));
    this.state = { ...this.state, logs };
  }

  private update(patch: Partial<FeedState>): void {
    this.state = { ...this.state, ...patch };
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

/** One line for where a rollout is: status, stage, datacenter and batch. */
export function describe(view: RolloutView): string {
  return `${view.status} · ${view.stage}${view.datacenter ? ` in ${view.datacenter}` : ''}${view.batch ? ` (batch ${view.batch.number} of ${view.batch.of})` : ''}`;
}
