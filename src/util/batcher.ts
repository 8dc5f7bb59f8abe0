/**
 * Gathers single calls into batches for `run`, which answers one result per item in order. An idle engine starts
 * at once on what is waiting (no call waits for a batch to fill); while a batch runs, calls made meanwhile wait and
 * go together, up to `size` in call order. With `queued` > 0, up to that many FULL batches are handed to `run` while
 * one runs, so that an engine with a queue of its own (a session thread) starts the next batch the moment the
 * running one ends, without waiting for this thread to take the results (metrics running here would delay it).
 */
export function batcher<T, R>(run: (items: T[]) => Promise<R[]>, size: number, queued = 0): (item: T) => Promise<R> {
  const waiting: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  const n = Math.max(1, size);
  let running = 0;
  let scheduled = false;
  const next = () => {
    scheduled = false;
    while (waiting.length > 0 && (running === 0 || (running <= queued && waiting.length >= n))) {
      running++;
      const batch = waiting.splice(0, n);
      run(batch.map((b) => b.item)).then(
        (results) => settle(() => batch.forEach((b, i) => b.resolve(results[i]))),
        (err: unknown) => settle(() => batch.forEach((b) => b.reject(err))),
      );
    }
  };
  // The next batch is handed over before the callers of this one resume (their work would delay it).
  const settle = (resolveCallers: () => void) => {
    running--;
    next();
    resolveCallers();
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Calls made in the same turn of the event loop join the first batch; a full batch may be queued at once.
      if (running > 0) next();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(next);
      }
    });
}
