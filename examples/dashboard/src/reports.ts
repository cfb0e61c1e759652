import { fetchUserSales, sleep } from './data.js';

export interface UserReport {
  userId: string;
  orders: number;
  spent: number;
  favouriteProduct: string | undefined;
  lastDay: number | undefined;
}

/** Per-user reports: each one costs a database round trip and an aggregation. */
export class ReportService {
  constructor(private readonly currency: string = 'EUR') {}

  async userReport(userId: string): Promise<UserReport> {
    const sales = await fetchUserSales(userId);
    const byProduct = new Map<string, number>();
    let spent = 0;
    let lastDay: number | undefined;
    for (const sale of sales) {
      spent += sale.unitPrice * sale.quantity;
      byProduct.set(sale.product, (byProduct.get(sale.product) ?? 0) + sale.quantity);
      lastDay = lastDay === undefined ? sale.day : Math.max(lastDay, sale.day);
    }
    const favouriteProduct = [...byProduct.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    return { userId, orders: sales.length, spent: Math.round(spent * 100) / 100, favouriteProduct, lastDay };
  }

  /** Exchange rate to the report currency, from a slow external service. */
  static async exchangeRate(from: string, to: string): Promise<number> {
    await sleep(40);
    if (from === to) return 1;
    const table: Record<string, number> = { USD: 1.08, GBP: 0.85, JPY: 162.3 };
    return table[to] ?? 1;
  }

  describe(): string {
    return `reports in ${this.currency}`;
  }
}
