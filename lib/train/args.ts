/** The Trainer's settings: Hugging Face `TrainingArguments`, in camelCase. */
export interface TrainingArguments {
  /** Folder of checkpoints, the final model and the log. */
  outputDir: string;
  /** Passes over the training features (3 in the tutorial). */
  epochs: number;
  /** Stop after this many optimizer steps, overriding `epochs`. */
  maxSteps?: number;
  batchSize: number;
  /**
   * Features per forward/backward pass; a batch is split into such micro-batches and their
   * gradients averaged (the same step, less memory: the wasm heap holds at most 4 GiB).
   * "auto" (the default) takes the most that fit (`autoMicroBatchSize`); unset: whole batches.
   */
  microBatchSize?: number | "auto";
  /**
   * Threads computing gradients (data parallel, one wasm instance each); 1: this thread only.
   * Ignored on webgpu, where the whole step runs on the GPU.
   */
  workers?: number;
  learningRate: number;
  weightDecay: number;
  /** Fraction of the steps spent warming the learning rate up from 0. */
  warmupRatio: number;
  maxGradNorm: number;
  seed: number;
  /** Shuffle the training features each epoch (with `seed` and the epoch number). */
  shuffle: boolean;
  /** Log the mean loss every this many steps (and at the end). */
  loggingSteps: number;
  /** Save a checkpoint every this many steps (0: only at the end). */
  saveSteps: number;
  /** Keep at most this many checkpoints (0: all). */
  saveTotalLimit: number;
  /** Batch size for evaluation loss. */
  evalBatchSize: number;
  /** A folder whose tokenizer files each checkpoint carries (so it loads on its own). */
  tokenizerFolder?: string;
}

/** The tutorial's values (lr 2e-5, batch 16, 3 epochs, weight decay 0.01) and HF's defaults. */
export function defaultArguments(outputDir: string): TrainingArguments {
  return {
    outputDir,
    epochs: 3,
    batchSize: 16,
    microBatchSize: "auto",
    learningRate: 2e-5,
    weightDecay: 0.01,
    warmupRatio: 0,
    maxGradNorm: 1.0,
    seed: 42,
    shuffle: true,
    loggingSteps: 50,
    saveSteps: 0,
    saveTotalLimit: 2,
    evalBatchSize: 32,
  };
}
