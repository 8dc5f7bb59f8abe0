/**
 * A stage with a bounded queue: `mapStage(source, fn, { ahead })` pulls up to `ahead` items from `source` and runs
 * `fn` on them before the consumer asks, and yields the results in source order. Chaining stages lets decoding,
 * inference and metrics overlap while memory stays bounded by the sum of the `ahead` values: a stage never holds
 * more than `ahead` items, whatever the length of the stream. Leaving the loop (break, throw) stops pulling, waits
 * for the items already in flight (so a file being written is finished, never cut) and closes the source.
 */
export interface StageOptions {
  /** Items pulled and processed ahead of the consumer (>= 1); also how many `fn` calls may run at once. */
  ahead?: number;
}

type Step<R> = { done: true } | { done: false; value: R };

export async function* mapStage<T, R>(
  source: AsyncIterable<T>,
  fn: (item: T) => Promise<R> | R,
  opts: StageOptions = {},
): AsyncGenerator<R> {
  const ahead = Math.max(1, Math.floor(opts.ahead ?? 1));
  // An async generator queues concurrent next() calls, so several pulls in flight reach the source one at a time.
  const it = (async function* () {
    yield* source;
  })();
  const window: Promise<Step<R>>[] = [];
  const pull = async (): Promise<Step<R>> => {
    const r = await it.next();
    return r.done ? { done: true } : { done: false, value: await fn(r.value) };
  };
  const refill = () => {
    while (window.length < ahead) {
      const p = pull();
      // A failure is reported when the consumer reaches that item; until then it must not count as unhandled.
      p.catch(() => {});
      window.push(p);
    }
  };
  try {
    for (;;) {
      refill();
      const step = await window.shift()!;
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await Promise.allSettled(window);
    await it.return(undefined);
  }
}
