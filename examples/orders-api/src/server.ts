/**
 * `npm start`: the orders API on 127.0.0.1:PORT (default 3000).
 * Try GET /orders/o-1001, /orders/o-1001?currency=USD, /customers/c-1/orders.
 */
import { createApp } from '@app/app';

const port = Number(process.env.PORT ?? 3000);

createApp().listen(port, '127.0.0.1', () => {
  console.log(`orders API on http://127.0.0.1:${port}/orders/o-1001`);
});
