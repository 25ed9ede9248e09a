/** A character span `[start, end)` in code points, as the tokenizer reports it. */
export type Offset = [number, number];

/** One training window: the tutorial's `prepare_train_features` output, with the golden field names. */
export interface TrainFeature {
  example_id: string;
  /** Index of the example in the list that was featurized. */
  sample_index: number;
  input_ids: number[];
  attention_mask: number[];
  offset_mapping: Offset[];
  /** 0 for question tokens, 1 for context tokens, null for special and padding tokens. */
  sequence_ids: (number | null)[];
  start_position: number;
  end_position: number;
  token_type_ids: number[];
}

/** One evaluation window: `prepare_validation_features` output; offsets are null outside the context. */
export interface ValidationFeature {
  example_id: string;
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  offset_mapping: (Offset | null)[];
}
