import { WriteBatcher } from './write-batcher.js';

describe('WriteBatcher', () => {
  it('flushes the first item at once and the items that came meanwhile together, in order', async () => {
    const flushed: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new WriteBatcher<number, string>(async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((item) => `#${item}`);
    });
    const first = batcher.submit(1);
    const later = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    expect(flushed).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual(['#1', '#2', '#3', '#4']);
    expect(flushed).toEqual([[1], [2, 3, 4]]);
  });

  it('fails every item of a failed flush and goes on with the next', async () => {
    let calls = 0;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('database gone');
      return items;
    }, 2);
    const failing = batcher.submit(1);
    const next = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    await expect(failing).rejects.toThrow('database gone');
    expect(await Promise.all(next)).toEqual([2, 3, 4]);
    expect(calls).toBe(3); // [1], then [2, 3] and [4]: at most two a batch
  });
});
