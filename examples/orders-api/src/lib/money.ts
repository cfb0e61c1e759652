/**
 * Money formatting, still in the CommonJS style this service started with (exports.x = function).
 * Building an Intl.NumberFormat is the slow part, and it happens on every call.
 */
const LOCALES: Record<string, string> = { EUR: 'de-DE', USD: 'en-US', GBP: 'en-GB' };

exports.formatMoney = function formatMoney(cents: number, currency: string): string {
  const format = new Intl.NumberFormat(LOCALES[currency] ?? 'en-US', { style: 'currency', currency });
  return format.format(cents / 100);
};
