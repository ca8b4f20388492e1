/**
 * How much of the traffic each priority level takes, as Envoy computes it: a level's health is
 * the share of its endpoints that are routable times the overprovisioning factor, capped at 1;
 * levels take traffic in order, each as much as its health allows, the rest spilling to the next.
 * With factor 1.4 a level keeps all its traffic until fewer than 1/1.4 (71 %) of its endpoints are
 * routable, then sheds it in proportion. When the levels' healths add up to less than 1, the loads
 * are scaled up so they still add up to 1 (the group's total health is what panic is judged by).
 */

export interface LevelCount {
  routable: number;
  /** Endpoints of the level that count (drained ones do not). */
  total: number;
}

export interface PriorityLoads {
  /** Per level, in the order given, summing to 1 (or all 0 when nothing is routable). */
  loads: number[];
  /** Sum of the levels' healths, capped at 1 (Envoy's normalized total health). */
  totalHealth: number;
}

export function priorityLoads(levels: ReadonlyArray<LevelCount>, overprovisioningFactor: number): PriorityLoads {
  const health = levels.map((l) => (l.total === 0 ? 0 : Math.min(1, (overprovisioningFactor * l.routable) / l.total)));
  const sum = health.reduce((a, b) => a + b, 0);
  const totalHealth = Math.min(1, sum);
  const loads = levels.map(() => 0);
  if (totalHealth === 0) return { loads, totalHealth };
  let remaining = 1;
  for (let i = 0; i < levels.length && remaining > 0; i++) {
    const load = Math.min(remaining, health[i]! / totalHealth);
    loads[i] = load;
    remaining -= load;
  }
  // Rounding leftovers go to the first level taking traffic, so the loads add up to exactly 1.
  if (remaining > 0) {
    const first = loads.findIndex((l) => l > 0);
    loads[first] = loads[first]! + remaining;
  }
  return { loads, totalHealth };
}
