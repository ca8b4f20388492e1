/**
 * The soak's defaults, in a module of their own so `bulwark soak --help` shows them without
 * loading the demo (and ccxt with it).
 */
import { type Clock, systemClock } from '../../core/clock.js';

export const SOAK_DEFAULTS = {
  minutes: 60, // an hour: every scenario runs many times and a slow leak shows
  faultQuietMs: 12_000, // the demo's own cycle (DEMO_DEFAULTS.faultQuietMs) unless asked for a faster one
  faultScale: 1, // the demo's own scenario durations
  // Breaker open time (6 s) + a trial call (a tick and at most the 4 s order timeout) + resolving the
  // orders a fault left UNKNOWN (recvWindow 5 s + 10 s matching-engine timeout + margin): about 30 s.
  recoveryMs: 30_000,
  followUpMs: 10_000, // the journal's follow-up bound in the demo (docs/trading.md)
  unresolvedMs: 60_000, // an UNKNOWN intent the exchange never got ends FAILED well within a minute
  sampleMs: 5_000, // 12 samples a minute: enough for a regression, cheap next to the demo
  warmupMs: 30_000, // start-up allocations and JIT are not growth
  maxRuleSilenceMs: 10_000, // the demo evaluates its rules every 2 s: five missed evaluations
  maxHeapGrowthMbPerHour: 32, // the simulated exchange keeps every order (~3,600 an hour) in memory: a few MB/h
  maxRssGrowthMbPerHour: 64, // RSS also holds SQLite's page cache and freed pages the allocator keeps
  maxLoopDelayGrowthMsPerHour: 10, // a loop that slows by 10 ms an hour would be sluggish within a day
  heapAllowanceMb: 16, // ccxt's order cache (1,000 orders) and lazily compiled code fill up in the first minutes
  rssAllowanceMb: 64, // the allocator keeps what the heap grew to; SQLite's page cache fills
  loopDelayAllowanceMs: 25, // one busy neighbour on a shared machine moves the 99th percentile this much
  seed: 42,
  clock: systemClock as Clock,
};
