import fc from 'fast-check';
import { decideTrafficShift, LastServingDatacenter, mayDrainDatacenter, type DatacenterTrafficFacts } from './traffic-shift.js';

const dc = (datacenter: string, serving: boolean, hosts = 2): DatacenterTrafficFacts => ({ datacenter, serving, hosts });

describe('datacenter traffic shifts', () => {
  it.each([
    ['another datacenter serves', true, [dc('tc', true), dc('yf', true)]],
    ['the other datacenter is drained', false, [dc('tc', true), dc('yf', false)]],
    ['the only other serving datacenter has no hosts', false, [dc('tc', true), dc('yf', true, 0)]],
    ['it is the only datacenter', false, [dc('tc', true)]],
    ['a third one still serves', true, [dc('tc', true), dc('yf', false), dc('gz', true, 1)]],
    ['it is already drained and another serves', true, [dc('tc', false), dc('yf', true)]],
  ])('draining tc when %s: allowed %s', (_, expected, datacenters) => {
    expect(mayDrainDatacenter(datacenters as DatacenterTrafficFacts[], 'tc')).toBe(expected);
  });

  it('shifts a drain while another datacenter with hosts serves, and any restore', () => {
    expect(decideTrafficShift('web', [dc('tc', true), dc('yf', true)], { datacenter: 'tc', serving: false })).toBe('shift');
    expect(decideTrafficShift('web', [dc('tc', false), dc('yf', false)], { datacenter: 'yf', serving: true })).toBe('shift');
  });

  it('refuses to drain the last serving datacenter, naming it and the service', () => {
    const decide = () => decideTrafficShift('web', [dc('tc', false), dc('yf', true)], { datacenter: 'yf', serving: false });
    expect(decide).toThrow(LastServingDatacenter);
    expect(decide).toThrow(expect.objectContaining({ kind: 'conflict', code: 'LAST_SERVING_DATACENTER', message: expect.stringMatching(/draining yf .* leave web /) }));
  });

  it('calls a request for the state a datacenter has unchanged, even the last one drained', () => {
    expect(decideTrafficShift('web', [dc('tc', true), dc('yf', true)], { datacenter: 'tc', serving: true })).toBe('unchanged');
    expect(decideTrafficShift('web', [dc('tc', false), dc('yf', false)], { datacenter: 'tc', serving: false })).toBe('unchanged');
    // Never changed: serving.
    expect(decideTrafficShift('web', [], { datacenter: 'tc', serving: true })).toBe('unchanged');
  });

  it('never leaves a service with hosts without a serving datacenter, whatever the operators ask', () => {
    const names = ['tc', 'yf', 'gz', 'sh'];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ datacenter: fc.constantFrom(...names), serving: fc.boolean() }), { maxLength: 40 }),
        (hosts, requests) => {
          const datacenters = hosts.map((count, i) => dc(names[i]!, true, count));
          const anyHosts = datacenters.some((d) => d.hosts > 0);
          for (const request of requests) {
            const target = datacenters.find((d) => d.datacenter === request.datacenter);
            if (!target) continue;
            try {
              if (decideTrafficShift('web', datacenters, request) === 'shift') target.serving = request.serving;
            } catch (error) {
              if (!(error instanceof LastServingDatacenter)) throw error;
            }
            if (anyHosts && !datacenters.some((d) => d.serving && d.hosts > 0)) return false;
          }
          return true;
        },
      ),
    );
  });
});
