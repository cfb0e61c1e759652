import { Router } from 'express';
import type { Order } from '@app/data/types';
import type { OrderRepository } from '@app/repositories/order-repository';
import { exchangeRate, shippingQuote } from '@app/services/pricing';

// lib/money.ts is a CommonJS module (exports.formatMoney = function ...): required, typed here.
const money = require('@app/lib/money') as { formatMoney(cents: number, currency: string): string };

/** An order as the API shows it: totals in the asked currency (default: the order's own). */
async function present(order: Order, currency: string) {
  const rate = (await exchangeRate(currency)) / (await exchangeRate(order.currency));
  const subtotal = order.lines.reduce((sum, line) => sum + line.quantity * line.unitCents, 0);
  const weightKg = order.lines.reduce((sum, line) => sum + line.quantity * line.weightKg, 0);
  const shipping = shippingQuote(order.region, weightKg);
  return {
    id: order.id,
    customerId: order.customerId,
    placedAt: order.placedAt,
    items: order.lines.length,
    subtotal: money.formatMoney(Math.round(subtotal * rate), currency),
    shipping: money.formatMoney(Math.round(shipping * rate), currency),
    total: money.formatMoney(Math.round((subtotal + shipping) * rate), currency),
  };
}

export function ordersRouter(orders: OrderRepository): Router {
  const router = Router();

  router.get('/orders/:id', async (req, res) => {
    const order = await orders.findById(req.params.id);
    if (!order) {
      res.status(404).json({ error: `no order ${req.params.id}` });
      return;
    }
    res.json(await present(order, typeof req.query.currency === 'string' ? req.query.currency : order.currency));
  });

  router.get('/customers/:id/orders', async (req, res) => {
    const list = await orders.listByCustomer(req.params.id);
    res.json(await Promise.all(list.map((order) => present(order, order.currency))));
  });

  return router;
}
