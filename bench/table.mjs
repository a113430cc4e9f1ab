// Formatting only: numbers to strings, figures with their ratio to the best,
// and Markdown tables padded so they read as well on a terminal as rendered.

const grouped = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export const bytes = (n) => `${grouped.format(n)} B`;
export const ms = (n, digits = 1) => `${n.toFixed(digits)} ms`;
export const ns = (n) => (n >= 10_000 ? `${grouped.format(Math.round(n / 1000))} µs` : `${grouped.format(n)} ns`);
export const count = (n) => grouped.format(n);

/** The smallest of the finite `values` (lower is better everywhere here), or undefined. */
export function best(values) {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length ? Math.min(...finite) : undefined;
}

/** `value` over `reference` as "2.31×"; "—" where a ratio means nothing (no reference, or ≤ 0). */
export function ratio(value, reference) {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || reference <= 0 || value < 0) return "—";
  return `${(value / reference).toFixed(2)}×`;
}

/** "4,237 B (3.12×)": a figure with its ratio to the best of its row. */
export const withRatio = (text, value, reference) => `${text} (${ratio(value, reference)})`;

/** A Markdown table; every column padded to its widest cell. */
export function markdownTable(headers, rows) {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(" | ")} |`;
  return [line(headers), `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
