/**
 * Counters that go down (docs/protocol.md section 7.2), through real sockets: every reset is
 * counted, the first on each connection is logged (once), and no message is dropped for it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LiveServer } from '../../../extension/src/server/server.js';
import { functionStats, hello, WireClient } from './wire-client.js';

describe('resets on the real server', () => {
  test('a watched cache cleared three times: three resets counted, one log line, every message applied, totals add on top', async () => {
    const logs: string[] = [];
    const server = new LiveServer({ log: (line) => logs.push(line) });
    await server.start();
    try {
      const client = await WireClient.open(server);
      await client.send(hello('py-1', 4242));
      let seq = 0;
      const report = (hits: number, misses: number) => client.send({ v: 1, type: 'stats', seq: ++seq, at: seq, stats: [functionStats('app/x.py#f', hits, misses)] });
      await report(10, 5);
      await report(0, 0); // lru_cache.cache_clear()
      await report(4, 2);
      await report(1, 1); // cleared again
      await report(3, 1);
      await report(0, 1); // hits cleared alone
      assert.equal(server.resets, 3);
      assert.equal(server.accepted, 7, 'no message dropped');
      assert.deepEqual(Object.values(server.rejections).filter((n) => n > 0), []);
      const row = server.aggregator.functions()[0]!;
      assert.deepEqual([row.hits, row.misses], [10 + 4 + 3 + 0, 5 + 2 + 1]);
      assert.equal(logs.filter((l) => /counters went down/.test(l)).length, 1, logs.join('\n'));
    } finally {
      await server.stop();
    }
  });
});
