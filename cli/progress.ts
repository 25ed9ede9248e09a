import { SingleBar } from "cli-progress";

/** A progress bar on stderr that shows steps, the loss and throughput. */
export function trainingBar(label: string): {
  update: (step: number, total: number, loss: number, featuresPerSecond: number) => void;
  stop: () => void;
} {
  const bar = new SingleBar({
    format:
      `${label} |{bar}| {value}/{total} steps | loss {loss} | {speed} features/s | eta {eta_formatted}`,
    hideCursor: true,
    etaBuffer: 50,
  });
  let started = false;
  let smoothed = NaN;
  // Training blocks the event loop, so cli-progress' timer never redraws a non-terminal stream:
  // print a plain line now and then instead.
  const terminal = Deno.stderr.isTerminal();
  let lastLine = 0;
  return {
    update(step, total, loss, featuresPerSecond) {
      smoothed = Number.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
      const payload = { loss: smoothed.toFixed(4), speed: featuresPerSecond.toFixed(1) };
      if (!terminal) {
        if (performance.now() - lastLine > 15_000 || step === total) {
          lastLine = performance.now();
          console.error(
            `${label} ${step}/${total} steps | loss ${payload.loss} | ${payload.speed} features/s`,
          );
        }
        return;
      }
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
