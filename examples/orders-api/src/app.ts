import express from 'express';
import { OrderRepository } from '@app/repositories/order-repository';
import { ordersRouter } from '@app/routes/orders';

/** The Express application: JSON routes over the orders repository. */
export function createApp(orders = new OrderRepository()) {
  const app = express();
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(ordersRouter(orders));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: err.message });
  });
  return app;
}
