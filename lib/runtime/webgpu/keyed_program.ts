// The shader key of our tfjs WebGPUPrograms. tfjs caches one compiled pipeline per key, and before
// each run it appends to the program's key its inputs' ranks and dtypes, its workgroup size,
// whether the dispatch is flat, the inputs' broadcast pattern and whether each input's shape
// equals the output's, then sets the key back. Our shaders read their sizes from uniforms and see
// every operand at a fixed rank (flat, or [batch, rows, columns]), with dtypes and workgroup sizes
// their own keys name: of tfjs's additions only a flat dispatch changes their code (tfjs's
// getGlobalIndex). Keeping our key plus that compiles each shader once or twice per process, not
// once per pattern of shapes; on a software adapter each compile is LLVM's work.

/** A program whose `shaderKey` is its constructor's, and whether its dispatch is flat. */
export abstract class KeyedProgram {
  abstract dispatch: [number, number, number];
  #key = "";
  #flat = false;

  /** What tells this shader from every other. */
  get shaderKey(): string {
    return this.#flat ? `${this.#key}_flatDispatch` : this.#key;
  }

  /**
   * The first key set (the constructor's) stays. tfjs sets the key again after fixing the
   * dispatch, just before it looks for the pipeline: then only the dispatch's shape counts.
   */
  set shaderKey(key: string) {
    if (this.#key === "") this.#key = key;
    else this.#flat = this.dispatch[1] === 1 && this.dispatch[2] === 1;
  }
}
