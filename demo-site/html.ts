// Tiny HTML helpers for the demo shop: every interpolation goes through esc().

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Formats integer cents as dollars without locale-dependent APIs (identical output everywhere). */
export function money(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = String(cents % 100).padStart(2, '0');
  return `$${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}
