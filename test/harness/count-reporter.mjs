// A node:test reporter that counts leaf tests (suites excluded) and writes
// {"passed":N,"failed":N,"skipped":N,"failures":[...]} to its destination, for the
// one-line summary of `npm test`.
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
      counts.failures.push(`${event.data.file ?? ''}: ${event.data.name}`);
    }
  }
  yield JSON.stringify(counts);
}
