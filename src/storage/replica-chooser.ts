/**
 * Which replica a stale-tolerant read tries first. Storage sits below failover in the layers, so it
 * names the little it needs here and a failover group (`bulwark/failover`, `FailoverGroup<string>`)
 * satisfies it as it is: `pick` with the names already tried, `record` with the call's outcome in
 * the group's words. `postgresReplicaChooser()` in src/failover/postgres-replicas.ts builds one.
 * Without a group, `roundRobinChooser` takes each replica in turn.
 */

/** One replica handed out by `pick`; give it back to `record`. */
export interface PickedReplica {
  readonly name: string;
}

/** A read's outcome on a replica, in the failover group's words (`CallOutcome`). */
export type ReplicaOutcome = 'success' | 'gateway' | 'failure' | 'neutral';

export interface ReplicaChooser {
  /**
   * The replica to try next; `exclude` names those this read already tried (or found lagging).
   * May return an excluded one when nothing else is left: the reader then stops.
   */
  pick(exclude?: ReadonlySet<string>): PickedReplica;
  /** How the read went: `gateway` the replica was out of reach, `failure` it failed the read, `neutral` it says nothing. */
  record(picked: PickedReplica, outcome: ReplicaOutcome, latencyMs: number): void;
}

/** One replica as a chooser factory sees it: its name and connection string. */
export interface ReplicaSpec {
  name: string;
  target: string;
}

/** Builds the chooser over a storage's hosts (called once, when the storage opens). */
export type ReplicaChooserFactory = (replicas: readonly ReplicaSpec[]) => ReplicaChooser;

/** Each replica in turn, skipping those excluded; no memory of outcomes (the lag checks keep that). */
export const roundRobinChooser: ReplicaChooserFactory = (replicas) => {
  const names = replicas.map((r) => r.name);
  let next = 0;
  return {
    pick(exclude) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(next + i) % names.length] as string;
        if (exclude?.has(name)) continue;
        next = (next + i + 1) % names.length;
        return { name };
      }
      return { name: names[0] ?? '' };
    },
    record() {
      // Round robin keeps no score.
    },
  };
};
