// Training and inference throughput of our models next to the PyTorch peer, in one run.
//   deno task bench:train [--shapes tiny,mini,distilbert] [--steps 2] [--threads 1]
// The peer (../shared/peer/torch_qa_bench.py) needs `apt-get install -y python3-torch
// libopenblas0-pthread`; without it our figures are printed alone.
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/model/backend.ts";
import { parseConfig } from "../lib/model/config.ts";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { AdamW, applyGradients, GradientWorkers, trainStep } from "../lib/train/mod.ts";
import { sharedPath } from "../test/shared.ts";

// The peer's shapes: layers, hidden, heads, feed-forward width.
const SHAPES: Record<string, [number, number, number, number]> = {
  tiny: [2, 128, 2, 512],
  mini: [4, 256, 4, 1024],
  "minilm-l6": [6, 384, 12, 1536],
  distilbert: [6, 768, 12, 3072],
};

const { values } = parseArgs({
  args: Deno.args,
  options: {
    shapes: { type: "string", default: "tiny,mini" },
    steps: { type: "string", default: "2" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "384" },
    threads: { type: "string", default: "1" },
    "micro-batch": { type: "string", default: "8" },
  },
});
const steps = Number(values.steps);
const batch = Number(values.batch);
const seq = Number(values.seq);
// The wasm heap holds at most 2 GB: larger shapes run a batch as micro-batches (the same step).
const micro = Math.min(batch, Number(values["micro-batch"]));

const backend = await initBackend("auto");
console.log(
  `batch ${batch} × ${seq} tokens, ${steps} timed steps after one warm-up; ` +
    `ours: tfjs ${backend} (1 thread), Deno ${Deno.version.deno}; peer: PyTorch, ${values.threads} thread(s)`,
);
const cores = navigator.hardwareConcurrency;
console.log(
  `shape        ours train/s  ×${cores} workers  ours infer/s  peak RSS   | peer train/s  ` +
    "peer infer/s  | best train ratio",
);
for (const shape of values.shapes!.split(",")) {
  const ours = measureOurs(shape);
  const parallel = await measureWorkers(shape, cores);
  const peer = await measurePeer(shape);
  const best = Math.max(ours.train, parallel);
  const ratio = peer ? (best / peer.train_features_per_s).toFixed(2) + "×" : "-";
  const cells = [
    shape.padEnd(12),
    ours.train.toFixed(2).padStart(12),
    parallel.toFixed(2).padStart(11),
    ours.infer.toFixed(2).padStart(12),
    `${(ours.peakRss / 2 ** 20).toFixed(0).padStart(6)} MiB |`,
    (peer?.train_features_per_s.toFixed(2) ?? "-").padStart(12),
    (peer?.infer_features_per_s.toFixed(2) ?? "-").padStart(12),
    `| ${ratio}`,
  ];
  console.log(cells.join("  "));
}

function shapeConfig(shape: string) {
  const [layers, hidden, heads, ffn] = SHAPES[shape];
  return parseConfig({
    model_type: "distilbert",
    vocab_size: 30522,
    dim: hidden,
    n_layers: layers,
    n_heads: heads,
    hidden_dim: ffn,
    max_position_embeddings: 512,
    dropout: 0.1,
    attention_dropout: 0.1,
  }, `${shape} shape`);
}

function measureOurs(shape: string): { train: number; infer: number; peakRss: number } {
  const model = QuestionAnsweringModel.fromConfig(shapeConfig(shape), 0);
  const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
  const inputs = {
    inputIds: tf.randomUniform([batch, seq], 0, 30522, "int32") as tf.Tensor2D,
    attentionMask: tf.ones([batch, seq], "int32") as tf.Tensor2D,
  };
  const labels = {
    startPositions: tf.randomUniform([batch], 0, seq, "int32") as tf.Tensor1D,
    endPositions: tf.randomUniform([batch], 0, seq, "int32") as tf.Tensor1D,
  };
  let peakRss = 0;
  const sample = () => peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  const train = () => {
    const parts = [];
    for (let from = 0; from < batch; from += micro) {
      const size = Math.min(micro, batch - from);
      parts.push({
        inputs: {
          inputIds: inputs.inputIds.slice([from, 0], [size, seq]) as tf.Tensor2D,
          attentionMask: inputs.attentionMask.slice([from, 0], [size, seq]) as tf.Tensor2D,
        },
        labels: {
          startPositions: labels.startPositions.slice([from], [size]) as tf.Tensor1D,
          endPositions: labels.endPositions.slice([from], [size]) as tf.Tensor1D,
        },
        size,
      });
    }
    trainStep(model, optimizer, parts, 2e-5, 1);
    for (const part of parts) {
      tf.dispose([part.inputs.inputIds, part.inputs.attentionMask]);
      tf.dispose([part.labels.startPositions, part.labels.endPositions]);
    }
    sample();
  };
  const infer = () => {
    const { startLogits, endLogits } = tf.tidy(() => {
      const out = model.forward(inputs, false);
      return { startLogits: out.startLogits, endLogits: out.endLogits };
    }) as { startLogits: tf.Tensor; endLogits: tf.Tensor };
    startLogits.dataSync();
    tf.dispose([startLogits, endLogits]);
    sample();
  };
  const rate = (run: () => void) => {
    run();
    const started = performance.now();
    for (let i = 0; i < steps; i++) run();
    return steps * batch / ((performance.now() - started) / 1000);
  };
  const result = { train: rate(train), infer: rate(infer), peakRss };
  result.peakRss = peakRss;
  tf.dispose([inputs.inputIds, inputs.attentionMask, labels.startPositions, labels.endPositions]);
  optimizer.dispose();
  model.dispose();
  return result;
}

async function measurePeer(
  shape: string,
): Promise<{ train_features_per_s: number; infer_features_per_s: number } | null> {
  const script = sharedPath("peer/torch_qa_bench.py");
  const args = [script, "--shape", shape, "--batch", String(batch), "--seq", String(seq)];
  args.push("--steps", String(steps), "--threads", values.threads!);
  try {
    const { code, stdout, stderr } = await new Deno.Command("/usr/bin/python3", { args }).output();
    if (code !== 0) {
      console.error(`peer failed: ${new TextDecoder().decode(stderr).trim().split("\n").at(-1)}`);
      return null;
    }
    return JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  } catch (e) {
    console.error(`peer not run: ${(e as Error).message}`);
    return null;
  }
}

// Training with gradient workers, one wasm instance per core, as `qa train` runs by default.
async function measureWorkers(shape: string, count: number): Promise<number> {
  const model = QuestionAnsweringModel.fromConfig(shapeConfig(shape), 0);
  const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
  const pool = await GradientWorkers.start(model, count);
  const random = (n: number) => Math.floor(Math.random() * n);
  const features = Array.from({ length: batch }, () => ({
    input_ids: Array.from({ length: seq }, () => random(30522)),
    attention_mask: new Array(seq).fill(1),
    start_position: random(seq),
    end_position: random(seq),
  }));
  const step = async () => {
    const { grads } = await pool.gradients(model, features, micro);
    applyGradients(optimizer, grads, 2e-5, 1);
  };
  await step();
  const started = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const rate = steps * batch / ((performance.now() - started) / 1000);
  pool.close();
  optimizer.dispose();
  model.dispose();
  return rate;
}
