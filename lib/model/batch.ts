// Features (plain arrays) into the integer tensors a model takes.
import * as tf from "@tensorflow/tfjs";
import type { EncoderInputs } from "./encoders.ts";
import type { SpanLabels } from "./qa_model.ts";

/** What a batch needs of a feature; train features also carry the labels. */
export interface FeatureLike {
  input_ids: ArrayLike<number>;
  attention_mask: ArrayLike<number>;
  token_type_ids?: ArrayLike<number>;
  start_position?: number;
  end_position?: number;
}

/** Start and end logits per feature, in feature order. */
export interface FeatureLogits {
  startLogits: Float32Array[];
  endLogits: Float32Array[];
}

/** Inputs of a batch of features, [batch, length] int32 tensors. */
export function inputsOf(features: FeatureLike[]): EncoderInputs {
  const rows = (pick: (f: FeatureLike) => ArrayLike<number> | undefined) =>
    tf.tensor2d(features.map((f) => Array.from(pick(f) ?? [])), undefined, "int32");
  const hasTypes = features.every((f) => f.token_type_ids && f.token_type_ids.length > 0);
  return {
    inputIds: rows((f) => f.input_ids),
    attentionMask: rows((f) => f.attention_mask),
    tokenTypeIds: hasTypes ? rows((f) => f.token_type_ids) : undefined,
  };
}

/** Labels of a batch of train features. */
export function labelsOf(features: FeatureLike[]): SpanLabels {
  const positions = (pick: (f: FeatureLike) => number | undefined) =>
    tf.tensor1d(
      features.map((f, i) => {
        const p = pick(f);
        if (p === undefined) throw new Error(`feature ${i} of the batch has no answer labels`);
        return p;
      }),
      "int32",
    );
  return {
    startPositions: positions((f) => f.start_position),
    endPositions: positions((f) => f.end_position),
  };
}

/** Frees the tensors of a batch. */
export function disposeBatch(inputs: EncoderInputs, labels?: SpanLabels): void {
  tf.dispose([inputs.inputIds, inputs.attentionMask]);
  if (inputs.tokenTypeIds) inputs.tokenTypeIds.dispose();
  if (labels) tf.dispose([labels.startPositions, labels.endPositions]);
}
