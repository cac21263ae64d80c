// A load-generating process holding dashboard subscribers: real socket.io-client
// connections to /dashboard with an API token. It times each host:updated event from
// the agent's heartbeat emit (carried in the container id the stand-in agent reported)
// to its receipt here. Every snapshot and a sample of the events are checked against
// the protocol's schemas; parsing every event would measure this process, not the
// control plane.
import { io, type Socket } from 'socket.io-client';
import { DASHBOARD_NAMESPACE, DashboardEvent, HostChange, HostsSnapshot, onDashboardEvents } from '../../libs/protocol/src/index.js';
import { epochMs, Histogram } from '../harness/stats.js';
import type { DashboardWorkerInit, DashboardWorkerReport, FromDashboardWorker, ToDashboardWorker } from './messages.js';

const VALIDATE_EVERY = 1000;

let config: DashboardWorkerInit;
const sockets: Socket[] = [];
const latency = new Histogram();
let snapshots = 0;
let live = 0;
let eventsReceived = 0;
let validated = 0;
let invalid = 0;
let seqGaps = 0;
let stale = 0;
const gapExamples: { after: number; got: number; sinceSnapshot: number }[] = [];
let measuring = false;

const send = (message: FromDashboardWorker) => process.send!(message);

function subscribe(): Socket {
  const socket = io(`${config.serverUrl}${DASHBOARD_NAMESPACE}`, {
    forceNew: true,
    autoConnect: false,
    transports: ['websocket'],
    auth: { token: config.token },
  });
  let lastSeq = 0;
  let sinceSnapshot = 0;
  socket.on(DashboardEvent.HostsSnapshot, (payload: unknown) => {
    const snapshot = HostsSnapshot.safeParse(payload);
    if (!snapshot.success) invalid++;
    else lastSeq = snapshot.data.seq;
    sinceSnapshot = 0;
    snapshots++;
    live++;
  });
  const onChange = (payload: { seq: number; host: { containers: { id: string }[] } }) => {
    const receivedAt = epochMs();
    eventsReceived++;
    sinceSnapshot++;
    if (lastSeq && payload.seq !== lastSeq + 1) {
      if (payload.seq <= lastSeq) stale++;
      else seqGaps++;
      if (gapExamples.length < 5) gapExamples.push({ after: lastSeq, got: payload.seq, sinceSnapshot });
    }
    lastSeq = Math.max(lastSeq, payload.seq);
    if (eventsReceived % VALIDATE_EVERY === 0) {
      validated++;
      if (!HostChange.safeParse(payload).success) invalid++;
    }
    const id = payload.host?.containers?.[0]?.id;
    if (measuring && id?.startsWith('bench-')) latency.record(receivedAt - Number(id.slice('bench-'.length)));
  };
  const change = (payload: unknown) => onChange(payload as Parameters<typeof onChange>[0]);
  onDashboardEvents(socket, { [DashboardEvent.HostUpdated]: change, [DashboardEvent.HostConnected]: change, [DashboardEvent.HostDisconnected]: change }, () => invalid++);
  return socket;
}

function report(): DashboardWorkerReport {
  return {
    subscribers: sockets.length,
    snapshots,
    latencyMs: latency.toJSON(),
    eventsReceived,
    validated,
    invalid,
    seqGaps,
    stale,
    gapExamples,
    workerRssMb: process.memoryUsage.rss() / 2 ** 20,
  };
}

process.on('message', (message: ToDashboardWorker) => {
  switch (message.type) {
    case 'init':
      config = message;
      for (let i = 0; i < message.subscribers; i++) sockets.push(subscribe());
      setInterval(() => send({ type: 'progress', live }), 250).unref();
      send({ type: 'ready' });
      return;
    case 'connect':
      for (const socket of sockets) socket.connect();
      return;
    case 'measure':
      measuring = message.on;
      return;
    case 'collect':
      send({ type: 'collected', report: report() });
      return;
    case 'stop':
      for (const socket of sockets) socket.disconnect();
      setTimeout(() => process.exit(0), 200);
      return;
  }
});
process.on('uncaughtException', (error) => send({ type: 'error', message: error.stack ?? String(error) }));
// The coordinator is gone (killed, or crashed): nothing left to report to.
process.on('disconnect', () => process.exit(0));
