// The heartbeat pace of a large fleet, on real PostgreSQL with the real migrations: a
// control plane allowed one heartbeat a second, so four connected hosts already stretch
// the interval to four seconds.
import { ManualClock } from '../../../../test/support/manual-clock.js';
import { startTestControlPlane, type TestControlPlane } from '../../../../test/support/control-plane.js';
import { HeartbeatPacer } from './heartbeat-pacer.js';
import { HostService } from './host.service.js';

const steady = { engine: { status: 'reachable' as const }, containers: [] };

describe('HeartbeatPacer', () => {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  let cp: TestControlPlane;
  let hosts: HostService;
  let pacer: HeartbeatPacer;

  beforeAll(async () => {
    cp = await startTestControlPlane(
      { TARMAC_HEARTBEAT_INTERVAL_MS: '1000', TARMAC_AGENT_GRACE_MS: '10000', TARMAC_MAX_HEARTBEATS_PER_SECOND: '1' },
      clock,
    );
    hosts = cp.plane.app.get(HostService);
    pacer = cp.plane.app.get(HeartbeatPacer);
  });
  afterAll(() => cp?.close());

  it('stretches the interval as the fleet grows, tells it in acks, gives each host what it was told, and shrinks it back', async () => {
    const agentTokenId = (await cp.issueAgentToken('paced')).id;
    const connection = (hostname: string) => ({ agentTokenId, connectionId: `${hostname}-c`, hostname });
    const registration = (hostname: string) => ({
      hostname,
      datacenter: 'tc',
      labels: {},
      agentVersion: 'test',
      engine: { name: 'test', version: '1', apiVersion: '1.41', status: 'reachable' as const },
      containers: [],
    });

    // Nobody connected yet: the configured interval.
    expect((await hosts.register(connection('paced-a'), registration('paced-a'))).heartbeatIntervalMs).toBe(1000);
    for (const hostname of ['paced-b', 'paced-c', 'paced-d']) await hosts.register(connection(hostname), registration(hostname));
    expect(await pacer.recount()).toBe(4000);
    expect((await hosts.register(connection('paced-e'), registration('paced-e'))).heartbeatIntervalMs).toBe(4000);
    for (const hostname of ['paced-b', 'paced-c', 'paced-d']) expect(await hosts.heartbeat(connection(hostname), steady)).toBe(4000);

    // paced-a was told 1 s and has not beaten since: silent after the grace period.
    // The others were told 4 s: 3 s more.
    clock.advance(10_001);
    expect(await hosts.sweepSilentHosts()).toBe(1);
    expect(await hosts.get('paced-a')).toMatchObject({ status: 'unreachable' });
    clock.advance(2_999);
    expect(await hosts.sweepSilentHosts()).toBe(0);
    clock.advance(1);
    expect(await hosts.sweepSilentHosts()).toBe(4);

    // The fleet goes away: back to the configured interval.
    for (const hostname of ['paced-a', 'paced-b', 'paced-c', 'paced-d', 'paced-e']) await hosts.disconnected(connection(hostname), true);
    expect(await pacer.recount()).toBe(1000);
  });
});
