import { ORDERS } from '@app/data/orders';
import type { Order } from '@app/data/types';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Orders from the database. Here the table is in memory behind a query latency
 * (DB_LATENCY_MS, default 40 ms), which is what a cache saves.
 */
export class OrderRepository {
  constructor(private readonly latencyMs = Number(process.env.DB_LATENCY_MS ?? 40)) {}

  async findById(id: string): Promise<Order | undefined> {
    await delay(this.latencyMs);
    return ORDERS.find((order) => order.id === id);
  }

  async listByCustomer(customerId: string): Promise<Order[]> {
    await delay(this.latencyMs);
    return ORDERS.filter((order) => order.customerId === customerId);
  }
}
