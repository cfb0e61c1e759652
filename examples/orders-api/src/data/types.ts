/** The shapes the API serves. Amounts are in cents of the order's currency. */
export interface OrderLine {
  sku: string;
  quantity: number;
  unitCents: number;
  weightKg: number;
}

export interface Order {
  id: string;
  customerId: string;
  region: 'north' | 'south' | 'east' | 'west';
  currency: string;
  placedAt: string;
  lines: OrderLine[];
}
