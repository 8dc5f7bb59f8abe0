import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// madge ships no types; its API: madge(dir, config) resolves to a graph with circular(): string[][].
// @ts-expect-error -- untyped CommonJS module
import madge from 'madge';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('src has no import circles (type-only imports included)', async () => {
  const graph = (await madge(path.join(ROOT, 'src'), {
    fileExtensions: ['ts'],
    tsConfig: path.join(ROOT, 'tsconfig.json'),
  })) as { circular(): string[][]; obj(): Record<string, string[]> };
  // The graph must resolve depthkit's `.js` specifiers to the `.ts` sources, or a circle could hide behind a missing edge.
  assert.ok(graph.obj()['eval/folder.ts']?.includes('eval/resumable.ts'), 'madge resolves the .js imports');
  const circles = graph.circular();
  assert.deepEqual(circles, [], `import circles: ${circles.map((c) => c.join(' -> ')).join('; ')}`);
});
