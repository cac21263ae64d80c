// Group commit for hot write paths: items submitted while a flush is running wait and go
// together in the next one, so under load one transaction carries many changes and the
// rows it locks (the event counter) are taken once per batch instead of once per item.
// With no load a flush starts at once: nothing waits on a timer. A failed batch is
// retried item by item, so an item fails only for its own fault. Hand-written: the
// batching libraries at hand (DataLoader) batch per event-loop tick, not per flush in
// flight, which is what keeps throughput up when the database is the bottleneck.

export class WriteBatcher<I, R> {
  private queue: { item: I; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  /** `flush` gets the items in order and answers one result per item, in the same order. */
  constructor(
    private readonly flush: (items: I[]) => Promise<R[]>,
    private readonly maxBatch = 1000,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.flush(batch.map((entry) => entry.item));
          batch.forEach((entry, i) => entry.resolve(results[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad item must not fail the others with it: each goes again on its own.
          for (const entry of batch) {
            await this.flush([entry.item]).then(
              ([result]) => entry.resolve(result!),
              (itemError: unknown) => entry.reject(itemError),
            );
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
