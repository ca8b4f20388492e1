import { describe, expect, it } from 'vitest';
import { lagFromRow, type ReplicaLagRow } from '../../src/storage/replica-lag.js';

const standby = (row: Partial<ReplicaLagRow>): ReplicaLagRow => ({ in_recovery: true, receiving: true, replayed_all: false, replay_age_ms: 40, ...row });

describe('replica lag from what the host says', () => {
  it('a host not in recovery is the primary, whatever else it says', () => {
    expect(lagFromRow(standby({ in_recovery: false, replay_age_ms: null }))).toEqual({ role: 'primary' });
  });

  it('idle primary: a streaming replica that replayed all it received is caught up, however old its last replayed commit', () => {
    expect(lagFromRow(standby({ replayed_all: true, replay_age_ms: 3_600_000 }))).toEqual({ role: 'standby', lagMs: 0 });
  });

  it('WAL received but not replayed yet: the lag is the age of the last replayed commit', () => {
    expect(lagFromRow(standby({ replay_age_ms: 2_500 }))).toEqual({ role: 'standby', lagMs: 2_500 });
  });

  it('no WAL receiver (the stream is down): replayed-all proves nothing, the age of the last replay counts', () => {
    expect(lagFromRow(standby({ receiving: false, replayed_all: true, replay_age_ms: 90_000 }))).toEqual({ role: 'standby', lagMs: 90_000 });
  });

  it('a standby that never replayed a transaction has an unknown lag', () => {
    expect(lagFromRow(standby({ replay_age_ms: null }))).toEqual({ role: 'standby', lagMs: undefined });
  });

  it('a replica clock behind the primary (negative age) counts as no lag, not a negative one', () => {
    expect(lagFromRow(standby({ replay_age_ms: -15 }))).toEqual({ role: 'standby', lagMs: 0 });
  });
});
