// The shader key of our tfjs WebGPUPrograms. tfjs caches one compiled pipeline per key, and before
// each run it appends to the program's key its inputs' ranks, dtypes, broadcast pattern and
// whether each input's shape equals the output's, then sets the key back. Our shaders read their
// sizes from uniforms and see every operand at a fixed rank (flat, or [batch, rows, columns]),
// so those details never change their code: keeping our own key compiles each shader once per
// process, not once per pattern of shapes (on a software adapter each compile is LLVM's work).

/** A program whose `shaderKey` stays the one its constructor gave. */
export abstract class KeyedProgram {
  #key = "";

  /** What tells this shader from every other. */
  get shaderKey(): string {
    return this.#key;
  }

  /** The first key set (the constructor's) stays; the ones tfjs sets later are ignored. */
  set shaderKey(key: string) {
    if (this.#key === "") this.#key = key;
  }
}
