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

  it('fails a lone item with its flush and goes on with the next, at most maxBatch at a time', async () => {
    const flushed: number[][] = [];
    const batcher = new WriteBatcher<number, number>(async (items) => {
      flushed.push(items);
      if (flushed.length === 1) throw new Error('database gone');
      return items;
    }, 2);
    const failing = batcher.submit(1);
    const next = [batcher.submit(2), batcher.submit(3), batcher.submit(4)];
    await expect(failing).rejects.toThrow('database gone');
    expect(await Promise.all(next)).toEqual([2, 3, 4]);
    expect(flushed).toEqual([[1], [2, 3], [4]]);
  });

  it('retries a failed batch item by item, so only the bad item fails', async () => {
    const flushed: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new WriteBatcher<number, number>(async (items) => {
      flushed.push(items);
      if (flushed.length === 1) await new Promise<void>((resolve) => (release = resolve));
      if (items.includes(13)) throw new Error('13 is refused');
      return items.map((item) => item * 10);
    });
    const first = batcher.submit(1);
    const batch = [batcher.submit(12), batcher.submit(13), batcher.submit(14)];
    release();
    expect(await first).toBe(10);
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([120, '13 is refused', 140]);
    expect(flushed).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });
});
