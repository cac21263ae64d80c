import { reportRefusal } from './agent-reports.js';

describe('agent reports', () => {
  it('accepts a recorded report and refuses a repeat and a command never sent, each with its code', () => {
    expect(reportRefusal('recorded', 'h1', 'k')).toBeUndefined();
    expect(reportRefusal('already-reported', 'h1', 'k')).toMatchObject({ code: 'COMMAND_ALREADY_REPORTED' });
    expect(reportRefusal('unknown', 'h1', 'k')).toMatchObject({ code: 'COMMAND_UNKNOWN', message: expect.stringContaining('h1') });
  });
});
