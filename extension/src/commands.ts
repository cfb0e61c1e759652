/** Command ids, shared by the code and checked against package.json's contributions by a test. */
export const Commands = {
  cacheFunction: 'cachelens.cacheFunction',
  changeSettings: 'cachelens.changeSettings',
  removeCaching: 'cachelens.removeCaching',
  watchCache: 'cachelens.watchCache',
  showPanel: 'cachelens.showPanel',
  startLiveServer: 'cachelens.startLiveServer',
  findCandidates: 'cachelens.findCandidates',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];
