import { afterJobFailure, JOB_MAX_ATTEMPTS } from './job-retry.js';

describe('job retry', () => {
  const now = new Date('2026-12-01T10:00:00Z');

  it.each([
    [1, '2026-12-01T10:00:01.000Z'],
    [2, '2026-12-01T10:00:02.000Z'],
    [4, '2026-12-01T10:00:08.000Z'],
    [9, '2026-12-01T10:04:16.000Z'],
  ])('retries after failure %i at %s', (attempts, at) => {
    expect(afterJobFailure(attempts, now)).toEqual({ kind: 'retry', runAt: new Date(at) });
  });

  it('gives up after the last attempt', () => {
    expect(afterJobFailure(JOB_MAX_ATTEMPTS, now)).toEqual({ kind: 'give-up' });
  });
});
