import { describe, expect, it } from 'vitest';
import { type DriverSuite, T0, useDriver } from './harness.js';

/** Named configuration (schedules, queue settings): upsert, list, delete, monotonic cursor. */
export function configContract(suite: DriverSuite): void {
  describe('config', () => {
    const c = useDriver(suite.factory);

    it('stores, replaces, lists by kind and namespace, and deletes entries', async () => {
      const other = `${c.ns}-b`;
      await c.d.putConfig({
        ns: c.ns,
        now: T0,
        kind: 'schedule',
        name: 'nightly',
        value: '{"a":1}',
      });
      await c.d.putConfig({
        ns: c.ns,
        now: T0,
        kind: 'schedule',
        name: 'hourly',
        value: '{"b":2}',
      });
      await c.d.putConfig({ ns: c.ns, now: T0, kind: 'queue', name: 'nightly', value: '{"q":1}' });
      await c.d.putConfig({ ns: other, now: T0, kind: 'schedule', name: 'x', value: '"ü"' });
      await c.d.putConfig({
        ns: c.ns,
        now: T0 + 5,
        kind: 'schedule',
        name: 'nightly',
        value: '{"a":3}',
      });

      expect(await c.d.configs({ ns: c.ns, kind: 'schedule' })).toEqual([
        { ns: c.ns, name: 'hourly', value: '{"b":2}', updatedAt: T0 },
        { ns: c.ns, name: 'nightly', value: '{"a":3}', updatedAt: T0 + 5 },
      ]);
      expect(await c.d.configs({ ns: c.ns, kind: 'queue' })).toEqual([
        { ns: c.ns, name: 'nightly', value: '{"q":1}', updatedAt: T0 },
      ]);
      const all = await c.d.configs({ kind: 'schedule' });
      expect(all.filter((e) => e.ns === c.ns || e.ns === other).map((e) => [e.ns, e.name])).toEqual(
        [
          [c.ns, 'hourly'],
          [c.ns, 'nightly'],
          [other, 'x'],
        ],
      );

      expect(await c.d.deleteConfig({ ns: c.ns, kind: 'schedule', name: 'hourly' })).toBe(true);
      expect(await c.d.deleteConfig({ ns: c.ns, kind: 'schedule', name: 'hourly' })).toBe(false);
      expect((await c.d.configs({ ns: c.ns, kind: 'schedule' })).map((e) => e.name)).toEqual([
        'nightly',
      ]);
    });

    it('only ever raises a cursor, keeps it across replacement, and drops it on delete', async () => {
      const key = { ns: c.ns, kind: 'schedule' as const, name: 's' };
      await c.d.advanceCursor({ ...key, cursor: 50 }); // no entry yet: ignored
      await c.d.putConfig({ ...key, now: T0, value: '{}' });
      expect((await c.d.configs({ ns: c.ns, kind: 'schedule' }))[0]?.cursor).toBeUndefined();
      await c.d.advanceCursor({ ...key, cursor: 100 });
      await c.d.advanceCursor({ ...key, cursor: 90 });
      await Promise.all([80, 120, 110].map((cursor) => c.d.advanceCursor({ ...key, cursor })));
      await c.d.putConfig({ ...key, now: T0 + 1, value: '{"v":2}' });
      expect(await c.d.configs({ ns: c.ns, kind: 'schedule' })).toEqual([
        { ns: c.ns, name: 's', value: '{"v":2}', updatedAt: T0 + 1, cursor: 120 },
      ]);
      await c.d.deleteConfig(key);
      await c.d.putConfig({ ...key, now: T0 + 2, value: '{}' });
      expect((await c.d.configs({ ns: c.ns, kind: 'schedule' }))[0]?.cursor).toBeUndefined();
    });
  });
}
