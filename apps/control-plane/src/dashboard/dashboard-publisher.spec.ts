// DashboardPublisher on the real outbox: what this process committed goes out without a
// read back when it follows what was published; a gap is read, in order, and nothing
// goes out twice.
import { jest } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { waitFor } from '../../../../test/support/wait.js';
import { DashboardPublisher } from './dashboard-publisher.js';
import { EventOutboxRepository, type OutboxEvent } from './event-outbox.repository.js';

describe('DashboardPublisher', () => {
  let cp: TestControlPlane;
  let db: DataSource;
  let outbox: EventOutboxRepository;
  let publisher: DashboardPublisher;
  let frames: number[][];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    db = cp.plane.app.get(DataSource);
    outbox = cp.plane.app.get(EventOutboxRepository);
  });
  afterAll(() => cp?.close());

  beforeEach(async () => {
    // A publisher of its own, caught up with the outbox and without its poll, so only the test wakes it.
    publisher = new DashboardPublisher(outbox);
    await publisher.onApplicationBootstrap();
    publisher.onApplicationShutdown();
    frames = [];
    publisher.setSink((events) => frames.push(events.map((event) => event.seq)));
  });

  const write = (...names: string[]): Promise<OutboxEvent[]> =>
    db.transaction((tx) => outbox.appendEvents(tx, names.map((name) => ({ type: 'test:event', payload: { name } }))));

  it('numbers events in order and gives each its seq inside the payload, as read back', async () => {
    const events = await write('a', 'b');
    expect(events.map((event) => event.seq)).toEqual([events[0]!.seq, events[0]!.seq + 1]);
    expect(events.map((event) => event.payload)).toEqual([
      { seq: events[0]!.seq, name: 'a' },
      { seq: events[0]!.seq + 1, name: 'b' },
    ]);
    expect(await outbox.readAfter(events[0]!.seq - 1, 10)).toEqual(events);
  });

  it('emits events it committed that follow the last published one at once, without reading the outbox', async () => {
    const read = jest.spyOn(outbox, 'readAfter');
    const events = await write('a', 'b', 'c');
    publisher.committed(events);
    expect(frames).toEqual([events.map((event) => event.seq)]);
    expect(publisher.lastPublishedSeq).toBe(events.at(-1)!.seq);
    expect(read).not.toHaveBeenCalled();
    read.mockRestore();
  });

  it('reads a gap before committed events from the outbox, emits everything once and in order, and ignores the gap announced late', async () => {
    const first = await write('from another transaction');
    const second = await write('x', 'y');
    publisher.committed(second);
    await waitFor(async () => publisher.lastPublishedSeq === second.at(-1)!.seq, { description: 'the gap read' });
    publisher.committed(first);
    expect(frames.flat()).toEqual([...first, ...second].map((event) => event.seq));
  });

  it('emits events committed while a read is in flight once, though the read returns them too', async () => {
    const readAfter = outbox.readAfter.bind(outbox);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const read = jest.spyOn(outbox, 'readAfter').mockImplementation(async (seq, limit) => {
      await held;
      return readAfter(seq, limit);
    });
    publisher.poke(); // a read starts, and is held until the events below are committed
    const during = await write('during');
    publisher.committed(during);
    release();
    await waitFor(async () => publisher.lastPublishedSeq === during.at(-1)!.seq && read.mock.calls.length >= 2, { description: 'the reads' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(frames.flat()).toEqual(during.map((event) => event.seq));
    read.mockRestore();
  });
});
