// The command journal on a real file: what survives a restart and what a crash leaves.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandJournal, JOURNAL_FILE, type CommandReport } from './command-journal.js';
import { removeDir, testStateDir } from './testing/test-runner.js';

let dir: string;
beforeEach(async () => {
  dir = await testStateDir();
});
afterEach(() => removeDir(dir));

const completed: CommandReport = { event: 'command:completed', payload: { key: 'k1', seq: 1, result: { image: 'a:1' } } };
const failed: CommandReport = { event: 'command:failed', payload: { key: 'k2', seq: 2, reason: 'IMAGE_PULL_FAILED', message: 'manifest unknown' } };

describe('CommandJournal', () => {
  it('remembers started, finished and reported keys across a reopen', async () => {
    const journal = await CommandJournal.open(dir);
    expect(journal.lookup('k1')).toEqual({ state: 'new' });
    await journal.started('k1', 1, 'image:pull');
    await journal.finished(completed);
    await journal.started('k2', 2, 'image:pull');
    await journal.finished(failed);
    await journal.reported('k1', 1, { ok: true });
    await journal.started('k3', 3, 'container:replace');
    await journal.close();

    const reopened = await CommandJournal.open(dir);
    expect(reopened.lookup('k1')).toEqual({ state: 'finished', report: completed });
    expect(reopened.lookup('k2')).toEqual({ state: 'finished', report: failed });
    expect(reopened.lookup('k3')).toEqual({ state: 'started', seq: 3 });
    expect(reopened.lastCommandSeq).toBe(2);
    expect(reopened.unreported()).toEqual([failed]);
    await reopened.close();

    const lines = (await readFile(join(dir, JOURNAL_FILE), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.event, l.key])).toEqual([
      ['started', 'k1'], ['finished', 'k1'], ['started', 'k2'], ['finished', 'k2'], ['reported', 'k1'], ['started', 'k3'],
    ]);
    expect(lines[3]).toEqual({ event: 'finished', key: 'k2', seq: 2, outcome: 'failed', reason: 'IMAGE_PULL_FAILED', message: 'manifest unknown', at: expect.any(String) });
  });

  it('cuts off a line torn by a crash, so the next append starts clean', async () => {
    const journal = await CommandJournal.open(dir);
    await journal.started('k1', 1, 'image:pull');
    await journal.close();
    await appendFile(join(dir, JOURNAL_FILE), '{"event":"finished","key":"k1","se');

    const reopened = await CommandJournal.open(dir);
    expect(reopened.lookup('k1')).toEqual({ state: 'started', seq: 1 });
    await reopened.finished(completed);
    await reopened.close();
    const again = await CommandJournal.open(dir);
    expect(again.lookup('k1')).toEqual({ state: 'finished', report: completed });
    expect(again.skippedLines).toBe(0);
    await again.close();
  });
});
