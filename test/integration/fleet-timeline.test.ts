/** The fleet on the timeline: joined, stale, heartbeating again, left and dropped, each recorded once. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { fleetControl, fleetKeys } from '../../src/fleet/index.js';
import { fleetTimeline } from '../../src/server/fleet-timeline.js';
import { liveEvents } from '../../src/server/live-events.js';
import { bot } from '../fleet/fleet-support.js';
import { describeWith, probeRedis, redisUrl, requireService, sharedRedis } from '../support/services.js';

const available = await requireService('Redis', probeRedis);

describeWith(available, 'fleet timeline', () => {
  const prefix = `test:fleet-timeline:${randomUUID()}:`;
  const shared = sharedRedis(prefix);
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  it('records each change of an instance once, and nothing for the fleet it found at start', async () => {
    const clock = new ManualClock(0);
    const events = liveEvents({ clock });
    const keys = fleetKeys(prefix, 'default');
    const watcher = fleetTimeline(fleetControl({ redis: shared.client, prefix }), events, { clock });
    const client = (): Redis => {
      const c = new Redis(redisUrl);
      clients.push(c);
      return c;
    };
    const first = bot(client(), prefix, 'first', { clock });
    await first.member.ready;
    await watcher.poll(); // learns the fleet: nothing recorded
    expect(events.timeline()).toEqual([]);

    const second = bot(client(), prefix, 'second', { clock });
    await second.member.ready;
    await watcher.poll();
    await shared.client.del(keys.alive('first')); // its TTL passed without a heartbeat
    await watcher.poll();
    await watcher.poll(); // no change: nothing new
    await second.member.leave();
    await first.member.leave();
    await shared.client.del(keys.instance('first')); // dropAfterMs passed
    await watcher.poll();

    const lines = events
      .timeline()
      .reverse()
      .map((e) => `${e.kind} ${e.subject}: ${e.message}`);
    expect(lines).toEqual([
      'fleet instance second: joined the fleet',
      'fleet instance first: stale: no heartbeat within its TTL',
      'fleet instance second: left the fleet',
      'fleet instance first: dropped from the fleet',
    ]);
  });
});
