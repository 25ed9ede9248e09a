// A curve in one line of text, for terminals.

const BARS = "▁▂▃▄▅▆▇█";

/**
 * The values as a line of block characters, low to high; more than `width` values are averaged
 * in `width` consecutive groups first. Non-finite values are skipped.
 */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const groups = Math.min(width, finite.length);
  const means = Array.from({ length: groups }, (_, g) => {
    const part = finite.slice(
      Math.floor(g * finite.length / groups),
      Math.floor((g + 1) * finite.length / groups),
    );
    return part.reduce((a, b) => a + b, 0) / part.length;
  });
  const [low, high] = [Math.min(...means), Math.max(...means)];
  const level = (v: number) =>
    high === low ? 3 : Math.round((v - low) / (high - low) * (BARS.length - 1));
  return means.map((v) => BARS[level(v)]).join("");
}
