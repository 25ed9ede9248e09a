import { SingleBar } from "cli-progress";

/** A progress bar on stderr that shows steps, the loss and throughput. */
export function trainingBar(label: string): {
  update: (step: number, total: number, loss: number, featuresPerSecond: number) => void;
  stop: () => void;
} {
  const bar = new SingleBar({
    format: `${label} |{bar}| {value}/{total} steps | loss {loss} | {speed} features/s | eta {eta_formatted}`,
    noTTYOutput: !Deno.stderr.isTerminal(),
    notTTYSchedule: 10_000,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  let smoothed = NaN;
  return {
    update(step, total, loss, featuresPerSecond) {
      smoothed = Number.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
      const payload = { loss: smoothed.toFixed(4), speed: featuresPerSecond.toFixed(1) };
      if (!started) {
        bar.start(total, step, payload);
        started = true;
      } else {
        bar.update(step, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
