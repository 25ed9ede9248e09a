/**
 * The learning rate of each optimizer step: linear warmup from 0, then linear decay to 0 at
 * `totalSteps` (Hugging Face's `get_linear_schedule_with_warmup`, the Trainer's default).
 */
export function linearSchedule(
  baseLr: number,
  totalSteps: number,
  warmupSteps = 0,
): (step: number) => number {
  return (step) => {
    if (step < warmupSteps) return baseLr * step / Math.max(1, warmupSteps);
    return baseLr * Math.max(0, (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
  };
}
