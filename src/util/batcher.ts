/**
 * Gathers single calls into batches for `run`, which answers one result per item in order: calls made while a
 * batch runs wait and go together in the next one (up to `size`, in call order), which starts as soon as the
 * running one ends. A caller that keeps more than `size` calls in flight (a pipeline stage pulling ahead) so gets
 * full batches while the engine is busy, and no call waits for a batch to fill: an idle engine starts at once.
 */
export function batcher<T, R>(run: (items: T[]) => Promise<R[]>, size: number): (item: T) => Promise<R> {
  const waiting: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let busy = false;
  const next = () => {
    if (busy || waiting.length === 0) return;
    busy = true;
    const batch = waiting.splice(0, Math.max(1, size));
    run(batch.map((b) => b.item))
      .then(
        (results) => batch.forEach((b, i) => b.resolve(results[i])),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      )
      .finally(() => {
        busy = false;
        next();
      });
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Calls made in the same turn of the event loop join the first batch.
      if (!busy) setImmediate(next);
    });
}
