// The peer's model shapes (../shared/peer/torch_qa_bench.py's SHAPES) as our DistilBERT models,
// and the peer's inputs: random token ids and answer positions.
import { parseConfig } from "../lib/model/config.ts";
import { type FeatureLike, QuestionAnsweringModel } from "../lib/model/mod.ts";

/** The peer's shapes: layers, hidden, heads, feed-forward width. */
export const SHAPES: Record<string, [number, number, number, number]> = {
  tiny: [2, 128, 2, 512],
  mini: [4, 256, 4, 1024],
  "minilm-l6": [6, 384, 12, 1536],
  distilbert: [6, 768, 12, 3072],
};

/** A DistilBERT QA model of `shape`, random weights from seed 0 (the same in every worker). */
export function shapeModel(shape: string): QuestionAnsweringModel {
  if (!(shape in SHAPES)) throw new Error(`unknown shape ${shape} (${Object.keys(SHAPES)})`);
  const [layers, hidden, heads, ffn] = SHAPES[shape];
  const config = parseConfig({
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
  return QuestionAnsweringModel.fromConfig(config, { seed: 0 });
}

/** `count` features of `seq` random token ids (no padding) and random answer positions. */
export function randomFeatures(count: number, seq: number): FeatureLike[] {
  const random = (n: number) => Math.floor(Math.random() * n);
  return Array.from({ length: count }, () => ({
    input_ids: Array.from({ length: seq }, () => random(30522)),
    attention_mask: new Array(seq).fill(1),
    start_position: random(seq),
    end_position: random(seq),
  }));
}
