/** The dashboard's HTTP API: `npm run serve`, then GET /api/prices?region=north, /api/top?n=10&since=0, /api/report?user=user-1 */
import http from 'node:http';
import { pricesByRegion, topProducts } from './prices.js';
import { ReportService } from './reports.js';

const reports = new ReportService();
const port = Number(process.env.PORT ?? 3000);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (): Promise<unknown> => {
    switch (url.pathname) {
      case '/api/prices':
        return pricesByRegion(url.searchParams.get('region') ?? 'north');
      case '/api/top':
        return topProducts(Number(url.searchParams.get('n') ?? 10), Number(url.searchParams.get('since') ?? 0));
      case '/api/report':
        return reports.userReport(url.searchParams.get('user') ?? 'user-1');
      default:
        return undefined;
    }
  };
  handle().then(
    (body) => (body === undefined ? reply(404, { error: `no route ${url.pathname}` }) : reply(200, body)),
    (error: unknown) => reply(500, { error: String(error) }),
  );
});
server.listen(port, '127.0.0.1', () => console.log(`dashboard API on http://127.0.0.1:${port}/api/prices?region=north`));
