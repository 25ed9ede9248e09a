// A question-answering model run by ONNX Runtime from a folder's onnx/model.onnx: the same
// `predictLogits` contract as the TensorFlow.js model (features in, start/end logits out).
import { join } from "node:path";
import { OnnxSession } from "../../runtime/mod.ts";
import type { FeatureLike, FeatureLogits } from "../batch.ts";
import { type ModelConfig, readConfig } from "../config.ts";
import { ONNX_FILE } from "./export.ts";

/**
 * Most tokens in one ONNX Runtime run: 4 windows of 384. On the project's 2-core machine the mini
 * shape (4 layers, 256 wide) ran at 16–17 features/s in runs of 1–4 windows of 384 and 11.6 in
 * runs of 16 (one thread; the attention scores of 16 windows outgrow the caches).
 */
export const RUN_TOKENS = 4 * 384;

/** DistilBERT/BERT question answering on ONNX Runtime. */
export class OnnxQuestionAnsweringModel {
  private constructor(
    readonly config: ModelConfig,
    readonly session: OnnxSession,
    readonly source: string,
  ) {}

  /** Opens `folder`/onnx/model.onnx with the folder's config.json; `threads` intra-op threads. */
  static async fromFolder(folder: string, threads?: number): Promise<OnnxQuestionAnsweringModel> {
    const path = join(folder, ONNX_FILE);
    try {
      await Deno.stat(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new Error(
        `${folder}: no ${ONNX_FILE} for the onnxruntime engine; write it with ` +
          `\`qa export --onnx ${folder}\``,
      );
    }
    const config = await readConfig(join(folder, "config.json"));
    const session = await OnnxSession.open(path, threads);
    for (const name of ["input_ids", "attention_mask"]) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new Error(`${path}: the graph has no input ${name} (inputs: ${session.inputNames})`);
      }
    }
    return new OnnxQuestionAnsweringModel(config, session, folder);
  }

  /**
   * Start and end logits of every feature, `batchSize` features per batch (`onBatch` after each);
   * a batch goes through ONNX Runtime in runs of at most `RUN_TOKENS` tokens.
   */
  async predictLogits(
    features: FeatureLike[],
    batchSize = 32,
    onBatch?: (done: number, total: number) => void,
  ): Promise<FeatureLogits> {
    const out: FeatureLogits = { startLogits: [], endLogits: [] };
    for (let from = 0; from < features.length; from += batchSize) {
      const batch = features.slice(from, from + batchSize);
      const length = batch[0].input_ids.length;
      const rows = Math.max(1, Math.floor(RUN_TOKENS / Math.max(1, length)));
      for (let first = 0; first < batch.length; first += rows) {
        const run = batch.slice(first, first + rows);
        const [starts, ends] = await this.session.run(this.#inputs(run, from + first), [
          "start_logits",
          "end_logits",
        ]);
        for (let i = 0; i < run.length; i++) {
          out.startLogits.push(starts.data.slice(i * length, (i + 1) * length));
          out.endLogits.push(ends.data.slice(i * length, (i + 1) * length));
        }
      }
      onBatch?.(Math.min(from + batchSize, features.length), features.length);
    }
    return out;
  }

  /** The graph's int64 inputs for a batch of equally long features. */
  #inputs(batch: FeatureLike[], first: number) {
    const length = batch[0].input_ids.length;
    const dims: [number, number] = [batch.length, length];
    const ids = (name: string, pick: (f: FeatureLike) => ArrayLike<number> | undefined) => {
      const data = new BigInt64Array(batch.length * length);
      batch.forEach((feature, row) => {
        const values = pick(feature) ?? [];
        if (values.length !== length) {
          throw new Error(
            `feature ${first + row}: ${name} has ${values.length} tokens, the batch ${length}`,
          );
        }
        for (let i = 0; i < length; i++) data[row * length + i] = BigInt(values[i]);
      });
      return { data, dims };
    };
    const inputs: Record<string, ReturnType<typeof ids>> = {
      input_ids: ids("input_ids", (f) => f.input_ids),
      attention_mask: ids("attention_mask", (f) => f.attention_mask),
    };
    if (this.session.inputNames.includes("token_type_ids")) {
      // As `inputsOf`: segment ids when every feature has them, else zeros (segment 0).
      const hasTypes = batch.every((f) => f.token_type_ids && f.token_type_ids.length > 0);
      const zeros = new Array(length).fill(0);
      inputs.token_type_ids = ids("token_type_ids", (f) => hasTypes ? f.token_type_ids : zeros);
    }
    return inputs;
  }

  /** Frees the session. */
  dispose(): Promise<void> {
    return this.session.release();
  }
}
