/**
 * Python's built-in `sum()` over floats, as Python 3.12+ computes it: Neumaier's compensated
 * summation. The official SQuAD scripts average with `sum()`, so a plain `+=` loop can differ from
 * their totals in the last digits (about 1e-13 on 3,200 questions).
 */
export function pythonSum(values: Iterable<number>): number {
  let sum = 0;
  let compensation = 0;
  for (const x of values) {
    const t = sum + x;
    compensation += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  return compensation !== 0 && Number.isFinite(compensation) ? sum + compensation : sum;
}
