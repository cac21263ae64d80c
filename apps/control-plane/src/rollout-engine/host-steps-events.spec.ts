import { hostStepsEvents, type HostStepOutcome } from './host-steps-events.js';

const outcome = (hostname: string, change: Partial<HostStepOutcome> = {}): HostStepOutcome => ({
  rolloutId: 'r1',
  hostname,
  step: 'wave-tc:drain:web',
  status: 'sent',
  attempt: 1,
  reason: null,
  ...change,
});

describe('hostStepsEvents', () => {
  it('puts the hosts that took the same step with the same outcome in one event, in the order first seen', () => {
    const failed = { status: 'failed' as const, reason: { code: 'IMAGE_PULL_FAILED', message: 'no such tag' } };
    const events = hostStepsEvents([
      outcome('tc-1'),
      outcome('tc-2', failed),
      outcome('tc-3'),
      outcome('tc-4', { attempt: 2 }),
      outcome('tc-5', failed),
      outcome('tc-6', { ...failed, reason: { code: 'IMAGE_PULL_FAILED', message: 'timed out' } }),
      outcome('tc-7', { step: 'wave-tc:pull:web' }),
      outcome('yf-1', { rolloutId: 'r2' }),
    ]);
    expect(events.map((event) => event.payload)).toEqual([
      { rolloutId: 'r1', step: 'wave-tc:drain:web', status: 'sent', attempt: 1, reason: null, hostnames: ['tc-1', 'tc-3'] },
      { rolloutId: 'r1', step: 'wave-tc:drain:web', status: 'failed', attempt: 1, reason: failed.reason, hostnames: ['tc-2', 'tc-5'] },
      { rolloutId: 'r1', step: 'wave-tc:drain:web', status: 'sent', attempt: 2, reason: null, hostnames: ['tc-4'] },
      { rolloutId: 'r1', step: 'wave-tc:drain:web', status: 'failed', attempt: 1, reason: { code: 'IMAGE_PULL_FAILED', message: 'timed out' }, hostnames: ['tc-6'] },
      { rolloutId: 'r1', step: 'wave-tc:pull:web', status: 'sent', attempt: 1, reason: null, hostnames: ['tc-7'] },
      { rolloutId: 'r2', step: 'wave-tc:drain:web', status: 'sent', attempt: 1, reason: null, hostnames: ['yf-1'] },
    ]);
    expect(events.every((event) => event.type === 'host:steps')).toBe(true);
  });

  it('makes no event when no host took a step', () => {
    expect(hostStepsEvents([])).toEqual([]);
  });
});
