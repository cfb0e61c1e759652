// The one reference count behind the Redis and Memcached connections (stores/remote/shared.ts):
// one connection per owner, closed once, by the last release, and replaced after that.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SharedConnections } from '../../../runtime/src/stores/remote/shared.js';

class Connection {
  closes = 0;
  close(): void { this.closes++; }
}

describe('SharedConnections', () => {
  it('gives every store of one owner one connection, and closes it at the last release only', async () => {
    const shared = new SharedConnections<Connection>();
    const owner = {};
    let opened = 0;
    const open = (): Connection => { opened++; return new Connection(); };
    const a = shared.acquire(owner, open);
    const b = shared.acquire(owner, open);
    const other = shared.acquire({}, open);
    assert.equal(a.connection, b.connection);
    assert.notEqual(other.connection, a.connection);
    assert.equal(opened, 2);
    await a.release();
    await a.release(); // a second close of one store counts once
    assert.equal(a.connection.closes, 0, 'b still uses it');
    await b.release();
    assert.equal(a.connection.closes, 1);
    const c = shared.acquire(owner, open);
    assert.notEqual(c.connection, a.connection, 'a closed connection is not handed out again');
    assert.equal(opened, 3);
  });

  it('records nothing when opening throws (a bad config is reported again next time)', () => {
    const shared = new SharedConnections<Connection>();
    const owner = {};
    assert.throws(() => shared.acquire(owner, () => { throw new Error('bad config'); }), /bad config/);
    assert.ok(shared.acquire(owner, () => new Connection()).connection instanceof Connection);
  });
});
