/**
 * The host's one dispatcher of panel messages (extension/src/panel-messages.ts): one handler per
 * message type of protocol/panel.ts (a compile error otherwise), `ready` answered once, and each
 * what-if answer carrying the id of the question it answers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptySnapshot, PANEL_TO_HOST_TYPES, parsePanelToHost, type HostToPanel, type PanelToHost } from '../../../protocol/panel.js';
import { dispatchPanelMessage, panelHandlers, type PanelActions, type PanelHandlers, type PanelHost } from '../../../extension/src/panel-messages.js';

function harness(actions: Partial<PanelActions> = {}) {
  const posted: HostToPanel[] = [];
  const calls: string[] = [];
  const full: PanelActions = {
    snapshot: (selected) => ({ ...emptySnapshot(5), breakdown: [], workspaceFunctions: selected ? [{ id: selected, file: 'a.ts', line: 1 }] : [] }),
    panelReady: () => void calls.push('panelReady'),
    startServer: async () => (calls.push('startServer'), undefined),
    open: async ({ file, line, id }) => (calls.push(`open ${file}:${line}${id ? ` ${id}` : ''}`), undefined),
    clear: async (id, process) => (calls.push(`clear ${id} ${process}`), { level: 'info', text: 'Cleared.' }),
    whatIf: async (id) => ({ state: 'off', text: `no trace of ${id}` }),
    cacheCandidate: async (id, file, line) => (calls.push(`cache-candidate ${id} ${file}:${line}`), undefined),
    ...actions,
  };
  let updates = 0;
  const host: PanelHost = { post: (m) => void posted.push(m), actions: () => full, selected: null, scheduleUpdate: () => void updates++ };
  const handlers = panelHandlers(host);
  const send = async (message: PanelToHost) => {
    assert.ok(parsePanelToHost(message), `valid: ${JSON.stringify(message)}`);
    return dispatchPanelMessage(handlers, host, message);
  };
  return { posted, calls, host, handlers, send, updates: () => updates };
}

describe('panel message dispatcher', () => {
  test('every message type the protocol accepts has exactly one handler', () => {
    const { handlers } = harness();
    assert.deepEqual(Object.keys(handlers).sort(), [...PANEL_TO_HOST_TYPES].sort());
    for (const type of PANEL_TO_HOST_TYPES) assert.equal(typeof handlers[type], 'function', type);
  });

  test('a table without a handler for a type does not compile', () => {
    const { handlers } = harness();
    const { clear: _clear, ...withoutClear } = handlers;
    // @ts-expect-error 'clear' is missing: PanelHandlers is a mapped type over PanelToHost['type']
    const incomplete: PanelHandlers = withoutClear;
    assert.equal(Object.hasOwn(incomplete, 'clear'), false);
  });

  test('ready: one init with the current figures, and the live side started once', async () => {
    const { posted, calls, send, host } = harness();
    host.selected = 'src/a.ts#f';
    await send({ v: 1, type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['init']);
    assert.equal(posted[0]!.type === 'init' && posted[0]!.state.workspaceFunctions[0]?.id, 'src/a.ts#f');
    assert.deepEqual(calls, ['panelReady']);
  });

  test('select follows the function and asks for fresh figures; actions go to the live side, notices back to the panel', async () => {
    const h = harness();
    await h.send({ v: 1, type: 'select', id: 'src/a.ts#f' });
    assert.equal(h.host.selected, 'src/a.ts#f');
    assert.equal(h.updates(), 1);
    await h.send({ v: 1, type: 'open', file: 'src/a.ts', line: 3 });
    await h.send({ v: 1, type: 'open', file: 'dist/a.js', line: 9, id: 'src/a.ts#f' });
    await h.send({ v: 1, type: 'start-server' });
    await h.send({ v: 1, type: 'clear', id: 'src/a.ts#f' });
    assert.deepEqual(h.calls, ['open src/a.ts:3', 'open dist/a.js:9 src/a.ts#f', 'startServer', 'clear src/a.ts#f undefined']);
    assert.deepEqual(h.posted, [{ v: 1, type: 'notice', level: 'info', text: 'Cleared.' }]);
  });

  test('whatif: the computing notice and the answer both carry the question\'s request id', async () => {
    const { posted, send } = harness();
    await send({ v: 1, type: 'whatif', id: 'src/a.ts#f', requestId: 41 });
    assert.deepEqual(posted.map((m) => m.type === 'whatif' && [m.id, m.requestId, m.view.state]), [['src/a.ts#f', 41, 'computing'], ['src/a.ts#f', 41, 'off']]);
  });

  test('two questions answered out of order: each answer names its own question', async () => {
    let release: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const { posted, send } = harness({
      whatIf: async (id) => {
        if (posted.filter((m) => m.type === 'whatif' && m.view.state === 'computing').length === 1) await slow;
        return { state: 'off', text: id };
      },
    });
    const first = send({ v: 1, type: 'whatif', id: 'src/a.ts#f', requestId: 1 });
    await send({ v: 1, type: 'whatif', id: 'src/a.ts#f', requestId: 2 });
    release();
    await first;
    const answers = posted.filter((m) => m.type === 'whatif' && m.view.state !== 'computing').map((m) => m.type === 'whatif' && m.requestId);
    assert.deepEqual(answers, [2, 1]);
  });

  test('a failing action becomes an error notice, and the failure is returned for the log', async () => {
    const { posted, send } = harness({ open: async () => { throw new Error('disk gone'); } });
    const failure = await send({ v: 1, type: 'open', file: 'a.ts', line: 1 });
    assert.equal(failure, 'open failed: disk gone');
    assert.deepEqual(posted, [{ v: 1, type: 'notice', level: 'error', text: 'disk gone' }]);
  });

  test('cache-candidate runs the cache action at the reported location; a message without a line is refused', async () => {
    const { calls, send } = harness();
    await send({ v: 1, type: 'cache-candidate', id: 'dist/prices.js#getPrices', file: 'dist/prices.js', line: 12 });
    assert.deepEqual(calls, ['cache-candidate dist/prices.js#getPrices dist/prices.js:12']);
    assert.equal(parsePanelToHost({ v: 1, type: 'cache-candidate', id: 'a.js#f', file: 'a.js' }), undefined);
  });
});
