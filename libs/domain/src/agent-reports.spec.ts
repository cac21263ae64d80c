import { reportOutcome, reportRefusal } from './agent-reports.js';

describe('agent reports', () => {
  it('accepts a recorded report and refuses a repeat and a command never sent, each with its code', () => {
    expect(reportRefusal('recorded', 'h1', 'k')).toBeUndefined();
    expect(reportRefusal('already-reported', 'h1', 'k')).toMatchObject({ code: 'COMMAND_ALREADY_REPORTED' });
    expect(reportRefusal('unknown', 'h1', 'k')).toMatchObject({ code: 'COMMAND_UNKNOWN', message: expect.stringContaining('h1') });
  });

  it('hears progress only on an open command of the host, and calls a report that closed nothing a repeat or unknown', () => {
    expect(reportOutcome('open', 'open')).toBe('recorded');
    expect(reportOutcome('closed', 'open')).toBe('already-reported');
    expect(reportOutcome(undefined, 'open')).toBe('unknown');
    expect(reportOutcome('closed', 'closed-now')).toBe('already-reported');
    expect(reportOutcome(undefined, 'closed-now')).toBe('unknown');
  });
});
