import assert from 'node:assert/strict';
import * as vscode from 'vscode';

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('cachelens.panel'));
}

suite('panel', () => {
  test('"Show cache panel" opens one CacheLens panel, and again reveals the same one', async () => {
    await vscode.commands.executeCommand('cachelens.showPanel');
    for (let i = 0; i < 50 && panelTabs().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(panelTabs().length, 1);
    assert.equal(panelTabs()[0]?.label, 'CacheLens');
    await vscode.commands.executeCommand('cachelens.showPanel');
    assert.equal(panelTabs().length, 1);
  });
});
