// The remote key scheme: readable when it can be, hashed when it must be, never colliding.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KeyScheme, keyPart } from '../../../runtime/src/stores/remote/keys.js';

it('keeps short printable keys as they are', () => {
  const keys = new KeyScheme('app:', 'src/a.ts#f');
  assert.equal(keys.data('17', '["EUR",2]'), 'app:src/a.ts#f:17:["EUR",2]');
  assert.equal(keys.generationKey, 'app:src/a.ts#f:gen');
  assert.equal(keys.lock('17', 'k'), 'app:src/a.ts#f:lock:17:k');
});

it('hashes parts with spaces, control characters, non-ASCII or excess length, and parts starting with #', () => {
  for (const part of ['a b', 'a\nb', 'é', 'x'.repeat(200), '#abc']) assert.match(keyPart(part, 120), /^#[\w-]{22}$/);
  assert.notEqual(keyPart('#abc', 120), '#abc');
  assert.notEqual(keyPart('x'.repeat(200) + 'a', 120), keyPart('x'.repeat(200) + 'b', 120));
});

it('fits Memcached\'s 250-byte key limit whatever the inputs', () => {
  const keys = new KeyScheme('p'.repeat(40) + ':', 'n'.repeat(300), 250);
  assert.ok(keys.data('1732512345678', 'k'.repeat(1000)).length <= 250);
});
