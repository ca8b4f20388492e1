import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { HealthRegistry } from '../../src/health/registry.js';
import type { HealthStatus } from '../../src/health/types.js';

/** Random DAGs: check i may depend only on checks with a smaller index. */
const graphs = fc
  .integer({ min: 1, max: 10 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.constantFrom<HealthStatus>('up', 'degraded', 'down'), { minLength: n, maxLength: n }),
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
    ),
  )
  .map(([statuses, deps]) => statuses.map((status, i) => ({ name: `c${i}`, status, dependsOn: i === 0 ? [] : [...new Set(deps[i]!.map((d) => `c${d % i}`))] })));

describe('health cascade (property)', () => {
  it('a check is affected exactly when a dependency is down or affected, and its cause is the set of down roots reached that way', async () => {
    await fc.assert(
      fc.asyncProperty(graphs, async (nodes) => {
        const registry = new HealthRegistry({ clock: new ManualClock() });
        for (const node of nodes) registry.register({ name: node.name, dependsOn: node.dependsOn, check: () => ({ status: node.status }) });
        const report = await registry.check();
        const byName = new Map(report.checks.map((c) => [c.name, c]));
        // Reference model, computed independently in index order (dependencies come first).
        const expected = new Map<string, { status: string; cause: string[] }>();
        for (const node of nodes) {
          const roots = new Set<string>();
          for (const dep of node.dependsOn) {
            const e = expected.get(dep)!;
            if (e.status === 'down') roots.add(dep);
            if (e.status === 'affected') e.cause.forEach((r) => roots.add(r));
          }
          expected.set(node.name, roots.size > 0 ? { status: 'affected', cause: [...roots].sort() } : { status: node.status, cause: [] });
        }
        for (const node of nodes) {
          const got = byName.get(node.name)!;
          const want = expected.get(node.name)!;
          expect(got.status).toBe(want.status);
          expect(got.cause ?? []).toEqual(want.cause);
        }
        const anyDown = [...expected.values()].some((e) => e.status === 'down' || e.status === 'affected');
        expect(report.status === 'down').toBe(anyDown);
      }),
    );
  });
});
