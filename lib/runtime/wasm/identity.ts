// Identity for the wasm backend without a copy. tfjs saves every tensor a gradient needs by
// running Identity on it (engine.saveTensorsForBackwardMode), and the wasm kernel copies the data
// each time: some 300 copies of activations per BERT forward pass under a gradient tape, in time
// and in peak memory. Like the cpu backend's, this one shares the data and counts a reference;
// that is safe because no wasm kernel writes into its inputs (variables take new data on assign).
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";

interface RefCountingBackend {
  incRef(dataId: unknown): void;
}

/** The wasm Identity kernel, sharing its input's data; `original` handles strings. */
export function identityWasm(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === "string") return original.kernelFunc(args);
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return { kernelName: tf.Identity, backendName: "wasm", kernelFunc };
}
