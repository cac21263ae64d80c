// HostService on real PostgreSQL with the real migrations and a clock the test moves.
import { jest } from '@jest/globals';
import { io } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { DashboardEvent, onDashboardEvents, type HostRegistration } from '../../../../libs/protocol/src/index.js';
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { waitFor } from '../../../../test/support/wait.js';
import { EventOutboxRepository } from '../dashboard/event-outbox.repository.js';
import { HostService } from './host.service.js';

const registration = (hostname: string): HostRegistration => ({
  hostname,
  datacenter: 'tc',
  labels: {},
  agentVersion: 'test',
  engine: { name: 'test', version: '1', apiVersion: '1.41', status: 'reachable' },
  containers: [],
});

describe('HostService', () => {
  // Far in the past, so the background sweeper (which reads the same clock) is harmless.
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  let cp: TestControlPlane;
  let hosts: HostService;
  let outbox: EventOutboxRepository;

  beforeAll(async () => {
    cp = await startTestControlPlane({ TARMAC_AGENT_GRACE_MS: '10000', TARMAC_HEARTBEAT_INTERVAL_MS: '1000' }, clock);
    hosts = cp.plane.app.get(HostService);
    outbox = cp.plane.app.get(EventOutboxRepository);
  });
  afterAll(() => cp?.close());

  it('marks a host unreachable only once the whole grace period has passed, and online on its next heartbeat', async () => {
    const connection = { agentTokenId: await tokenId(cp, 'grace'), connectionId: 'c1', hostname: 'grace-1' };
    await hosts.register(connection, registration('grace-1'));

    clock.advance(10_000);
    expect(await hosts.sweepSilentHosts()).toBe(0);
    clock.advance(1);
    expect(await hosts.sweepSilentHosts()).toBe(1);
    expect(await hosts.get('grace-1')).toMatchObject({ status: 'unreachable', connected: true });
    expect(await hosts.sweepSilentHosts()).toBe(0);

    await hosts.heartbeat(connection, { engine: { status: 'reachable' }, containers: [] });
    expect(await hosts.get('grace-1')).toMatchObject({ status: 'online' });
  });

  it('ignores a heartbeat or a disconnect from a connection that has been replaced', async () => {
    const agentTokenId = await tokenId(cp, 'replaced');
    const old = { agentTokenId, connectionId: 'old', hostname: 'replaced-1' };
    const current = { ...old, connectionId: 'new' };
    await hosts.register(old, registration('replaced-1'));
    await hosts.register(current, registration('replaced-1'));
    const before = await outbox.currentSeq();

    await hosts.heartbeat(old, { engine: { status: 'unreachable' } });
    await hosts.disconnected(old, false);
    expect(await hosts.get('replaced-1')).toMatchObject({ status: 'online', connected: true, engine: { status: 'reachable' } });
    expect(await outbox.currentSeq()).toBe(before);

    await hosts.disconnected(current, true);
    expect(await hosts.get('replaced-1')).toMatchObject({ status: 'offline', connected: false });
  });

  it('writes no event for a heartbeat that changes nothing, and one for a heartbeat that does', async () => {
    const connection = { agentTokenId: await tokenId(cp, 'quiet'), connectionId: 'q', hostname: 'quiet-1' };
    await hosts.register(connection, registration('quiet-1'));
    const before = await outbox.currentSeq();
    clock.advance(500);
    await hosts.heartbeat(connection, { engine: { status: 'reachable' }, containers: [] });
    expect(await outbox.currentSeq()).toBe(before);
    expect((await hosts.get('quiet-1')).lastHeartbeatAt).toBe(clock.now().toISOString());

    const container = { id: 'abc', name: 'quiet-1-web', image: 'web:1', state: 'running' };
    await hosts.heartbeat(connection, { engine: { status: 'reachable' }, containers: [container] });
    expect(await outbox.currentSeq()).toBe(before + 1);
    const [event] = await outbox.readAfter(before, 10);
    expect(event).toMatchObject({ type: DashboardEvent.HostUpdated, payload: { seq: before + 1, host: { containers: [container] } } });
  });

  it('writes a heartbeat that repeats the one before in one statement outside a transaction, unless the host has changed meanwhile', async () => {
    const connection = { agentTokenId: await tokenId(cp, 'repeat'), connectionId: 'r', hostname: 'repeat-1' };
    await hosts.register(connection, registration('repeat-1'));
    const steady = { engine: { status: 'reachable' as const }, containers: [] };
    await hosts.heartbeat(connection, steady);
    const db = cp.plane.app.get(DataSource);
    const transactions = jest.spyOn(db, 'transaction');
    try {
      clock.advance(500);
      await hosts.heartbeat(connection, steady);
      expect(transactions).not.toHaveBeenCalled();
      expect((await hosts.get('repeat-1')).lastHeartbeatAt).toBe(clock.now().toISOString());

      // The sweeper marks it unreachable: the same report now changes something, and says so.
      clock.advance(10_001);
      await hosts.sweepSilentHosts();
      expect(await hosts.get('repeat-1')).toMatchObject({ status: 'unreachable' });
      const before = await outbox.currentSeq();
      await hosts.heartbeat(connection, steady);
      expect(await hosts.get('repeat-1')).toMatchObject({ status: 'online' });
      expect(await outbox.currentSeq()).toBe(before + 1);
      expect(transactions).toHaveBeenCalled();
    } finally {
      transactions.mockRestore();
    }
  });

  it('numbers events without a gap under concurrent changes, and a dashboard joining midway misses none', async () => {
    const agentTokenId = await tokenId(cp, 'burst');
    const start = await outbox.currentSeq();
    let registered = 0;
    let stop = false;
    const churn = (async () => {
      while (!stop) {
        await Promise.all(
          Array.from({ length: 5 }, () => {
            const hostname = `burst-${registered++}`;
            return hosts.register({ agentTokenId, connectionId: hostname, hostname }, registration(hostname));
          }),
        );
      }
    })();
    // The dashboard joins midway: once some registrations have committed.
    await waitFor(async () => (await outbox.currentSeq()) > start + 10, { description: 'registrations under way' });
    const socket = io(`${cp.url}/dashboard`, { transports: ['websocket'], auth: { token: cp.adminToken }, reconnection: false });
    const seen: number[] = [];
    let snapshotSeq = -1;
    socket.on('hosts:snapshot', (snapshot: { seq: number }) => (snapshotSeq = snapshot.seq));
    onDashboardEvents(socket, { 'host:connected': (change) => seen.push((change as { seq: number }).seq) });
    try {
      await waitFor(() => snapshotSeq >= 0, { description: 'snapshot while registrations go on' });
      const atSnapshot = registered;
      await waitFor(() => registered >= atSnapshot + 30, { description: 'more registrations after the snapshot' });
      stop = true;
      await churn;
      const end = await outbox.currentSeq();
      expect(snapshotSeq).toBeGreaterThan(start);
      expect(end - start).toBe(registered);
      const events = await outbox.readAfter(start, 10_000);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: registered }, (_, i) => start + 1 + i));
      await waitFor(() => seen.at(-1) === end, { description: 'dashboard caught up' });
      expect(seen).toEqual(Array.from({ length: end - snapshotSeq }, (_, i) => snapshotSeq + 1 + i));
    } finally {
      stop = true;
      await churn;
      socket.disconnect();
    }
  });
});

async function tokenId(cp: TestControlPlane, name: string): Promise<string> {
  return (await cp.issueAgentToken(name)).id;
}
