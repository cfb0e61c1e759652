/**
 * The dashboard's workload, run from a terminal: it serves `ROUNDS` dashboard refreshes (each one
 * recomputes region prices, the top products and a user's report) and prints where the time went
 * and what the caches did. Run it in a VS Code terminal and the CacheLens panel shows it live.
 *
 *   npm start                      200 refreshes
 *   ROUNDS=2000 npm start          more
 *   DURATION_S=60 npm start        keep refreshing for 60 s (for watching the panel)
 */
import { registry } from 'cachelens';
import { pricesByRegion, topProducts } from './prices.js';
import { ReportService } from './reports.js';
import { pickRegion, pickSince, pickUser } from './traffic.js';

const rounds = Number(process.env.ROUNDS ?? 200);
const durationMs = Number(process.env.DURATION_S ?? 0) * 1000;

async function refreshDashboard(reports: ReportService): Promise<number> {
  const prices = pricesByRegion(pickRegion());
  const top = topProducts(10, pickSince());
  const report = await reports.userReport(pickUser());
  return prices.revenue + top.length + report.orders;
}

async function main(): Promise<void> {
  const reports = new ReportService();
  const started = performance.now();
  let refreshes = 0;
  let checksum = 0;
  while (refreshes < rounds || performance.now() - started < durationMs) {
    checksum += await refreshDashboard(reports);
    refreshes++;
  }
  const elapsed = performance.now() - started;
  console.log(`${refreshes} dashboard refreshes in ${(elapsed / 1000).toFixed(2)} s (${(elapsed / refreshes).toFixed(2)} ms each), checksum ${checksum.toFixed(2)}`);
  const cached = registry.list();
  if (cached.length === 0) {
    console.log('No cached functions yet: right-click a function in VS Code and pick "Cache this function".');
    return;
  }
  console.log('\ncached function                       hits  misses  hit ratio  time saved');
  for (const info of cached) {
    const s = info.stats();
    const calls = s.hits + s.misses;
    const ratio = calls === 0 ? 0 : (100 * s.hits) / calls;
    console.log(
      `${info.id.padEnd(36)} ${String(s.hits).padStart(5)} ${String(s.misses).padStart(7)} ${ratio.toFixed(1).padStart(9)}% ${(s.savedMs / 1000).toFixed(2).padStart(9)} s`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
