// `tarmac rollout watch`: the socket side. Connects to /dashboard, waits for the hosts
// snapshot (from then on the live stream misses nothing), asks `rollout:watch` for the
// rollout's snapshot, and applies `rollout:updated` / `host:steps` events newer than it.
// A dropped connection is retried by socket.io; each new connection asks again.
import { io, type Socket } from 'socket.io-client';
import {
  DASHBOARD_NAMESPACE,
  DashboardEvent,
  HostStepsChange,
  HostsSnapshot,
  onDashboardEvents,
  RolloutChange,
  RolloutWatchAck,
  RolloutWatchEvent,
  type PlanView,
  type RolloutView,
} from '../../../../libs/protocol/src/index.js';
import type { ApiClient } from '../api-client.js';
import { ExitCode } from '../cli-errors.js';
import type { Output } from '../command.js';
import { applyEvent, applySnapshot, fromSnapshot, headline, outcomeOf, type Applied, type WatchEvent, type WatchState } from './watch-state.js';
import { redraw, renderScreen } from './watch-screen.js';

export interface WatchOptions {
  api: ApiClient;
  rolloutId: string;
  stdout: Output;
  stderr: Output;
  signal: AbortSignal;
  /** Redraw a live view in place (stdout is a terminal) instead of printing lines. */
  live: boolean;
  colour: boolean;
}

/** 0 when the rollout succeeds; 1 when it fails, is aborted or rolled back, or the watch cannot go on. */
export async function watchRollout(options: WatchOptions): Promise<number> {
  const { api, rolloutId, stdout, stderr } = options;
  const initial = await api.get<RolloutView>(`/api/v1/rollouts/${encodeURIComponent(rolloutId)}`);
  const plan = await api.get<PlanView>(`/api/v1/plans/${encodeURIComponent(initial.planId)}`);
  const datacenters = plan.spec.targetDatacenters;

  // Already over: nothing will change, say how it ended.
  if (outcomeOf(initial)) {
    stdout.write(`${headline(initial)}\n`);
    if (initial.reason) stdout.write(`reason: ${initial.reason.code}: ${initial.reason.message}\n`);
    return outcomeOf(initial) === 'succeeded' ? ExitCode.Ok : ExitCode.Failed;
  }

  return new Promise<number>((resolve) => {
    let state: WatchState | undefined;
    let fleet: Record<string, number> = {};
    /** Live events that came before this connection's snapshot answered. */
    let pending: WatchEvent[] | undefined = [];
    let drawn = 0;
    let note: string | undefined;
    let finished = false;

    const socket: Socket = io(`${api.connection.server}${DASHBOARD_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { token: api.connection.token },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
    });

    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      options.signal.removeEventListener('abort', onAbort);
      socket.disconnect();
      resolve(code);
    };
    const onAbort = () => finish(130);
    options.signal.addEventListener('abort', onAbort);

    const show = (applied: Applied) => {
      state = applied.state;
      if (options.live) {
        const lines = renderScreen(state, { columns: stdout.columns, colour: options.colour, note });
        stdout.write(redraw(drawn, lines));
        drawn = lines.length;
      } else {
        for (const line of applied.lines) stdout.write(`${line}\n`);
      }
      const outcome = outcomeOf(state.rollout);
      if (outcome) finish(outcome === 'succeeded' ? ExitCode.Ok : ExitCode.Failed);
    };

    const notice = (text: string) => {
      if (options.live && state) {
        note = text;
        show({ state, lines: [] });
      } else {
        stderr.write(`${text}\n`);
      }
    };

    const receive = (event: WatchEvent) => {
      if (pending) pending.push(event);
      else if (state) show(applyEvent(state, event));
    };

    const askSnapshot = async () => {
      let answer: unknown;
      try {
        answer = await socket.timeout(15_000).emitWithAck(RolloutWatchEvent, { rolloutId });
      } catch {
        // No answer (the connection dropped meanwhile): the next connection asks again.
        return;
      }
      const ack = RolloutWatchAck.safeParse(answer);
      if (!ack.success) {
        stderr.write(`error: the control plane answered rollout:watch with something unexpected\n`);
        return finish(ExitCode.Failed);
      }
      if (!ack.data.ok) {
        stderr.write(`error: ${ack.data.code}: ${ack.data.message}\n`);
        return finish(ExitCode.Failed);
      }
      const { seq, rollout } = ack.data.data;
      const reconnected = state !== undefined;
      note = undefined;
      const applied = state ? applySnapshot(state, seq, rollout) : fromSnapshot(seq, rollout, datacenters, fleet);
      if (reconnected && !options.live) stderr.write(`reconnected at event ${seq}\n`);
      const buffered = pending ?? [];
      pending = undefined;
      show({ state: { ...applied.state, fleet }, lines: applied.lines });
      for (const event of buffered.sort((a, b) => a.seq - b.seq)) {
        if (finished || !state) return;
        show(applyEvent(state, event));
      }
    };

    socket.on(DashboardEvent.HostsSnapshot, (payload: unknown) => {
      const snapshot = HostsSnapshot.safeParse(payload);
      if (snapshot.success) {
        fleet = {};
        for (const host of snapshot.data.hosts) if (host.pool === 'production') fleet[host.datacenter] = (fleet[host.datacenter] ?? 0) + 1;
      }
      // From this snapshot on the stream has every event, so a rollout snapshot asked now misses none.
      void askSnapshot();
    });
    onDashboardEvents(socket, {
      [DashboardEvent.RolloutUpdated]: (payload) => {
        const change = RolloutChange.safeParse(payload);
        if (change.success && change.data.rollout.id === rolloutId) receive({ type: 'rollout:updated', seq: change.data.seq, rollout: change.data.rollout, hosts: change.data.hosts });
      },
      [DashboardEvent.HostSteps]: (payload) => {
        const steps = HostStepsChange.safeParse(payload);
        if (steps.success && steps.data.rolloutId === rolloutId) receive({ type: 'host:steps', seq: steps.data.seq, steps: steps.data });
      },
    });
    socket.on('disconnect', (reason) => {
      if (finished) return;
      pending = [];
      notice(`connection lost (${reason}); reconnecting`);
      // socket.io leaves a disconnect by the server to us.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      const code = error.data?.code;
      if (code === 'API_TOKEN_INVALID' || code === 'HANDSHAKE_INVALID') {
        stderr.write(`error: ${code}: ${error.data?.message ?? error.message}\n`);
        return finish(ExitCode.Failed);
      }
      if (!socket.active) socket.connect();
      notice(`cannot connect (${error.data?.message ?? error.message}); retrying`);
    });
  });
}
