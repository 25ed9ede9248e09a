// The training log's record: what the trainer logs and what its checkpoints keep (their own file,
// so that trainer.ts and checkpoint.ts both import it and neither imports the other).

/** One line of the training log (`--log FILE.jsonl`, `trainer_state.json`'s log_history). */
export interface LogEntry {
  step: number;
  epoch: number;
  lr?: number;
  loss?: number;
  grad_norm?: number;
  eval_loss?: number;
  features_per_second?: number;
}
