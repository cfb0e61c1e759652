// A node:test reporter that counts leaf tests (suites excluded) and writes
// {"passed":N,"failed":N,"skipped":N,"failures":[...]} to its destination, for the
// one-line summary of `npm test`. Each failure names its file, its test and the first line of its
// error, so that the summary alone (the end of a CI log) says why.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    const details = event.data?.details;
    if (details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if (event.data.skip || event.data.todo) counts.skipped++;
      else counts.passed++;
    } else if (event.type === 'test:fail') {
      counts.failed++;
      counts.failures.push(`${event.data.file ?? ''}: ${event.data.name}${reason(details?.error)}`);
    }
  }
  yield JSON.stringify(counts);
}

/** ' (first line of the error)', from node:test's wrapper error or its cause. */
function reason(error) {
  const inner = error?.cause ?? error;
  const text = String(inner?.message ?? inner ?? '').split('\n').find((line) => line.trim() !== '');
  return text ? ` (${text.trim().slice(0, 200)})` : '';
}
