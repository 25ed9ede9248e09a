// ONNX Runtime on the CPU (npm:onnxruntime-node, whose native library ships in the package):
// loaded on first use only, so the TensorFlow.js path never pays for it, and a session per model
// file with its intra-op threads set (by default to the machine's cores).
import type * as Ort from "onnxruntime-node";
import { setting } from "../../settings.ts";

type OrtModule = typeof Ort;

let loaded: Promise<OrtModule | Error> | undefined;

/** onnxruntime-node, or the Error saying why it does not load here (asked once per process). */
export function loadOnnxRuntime(): Promise<OrtModule | Error> {
  loaded ??= import("onnxruntime-node").then(
    (module) => (module.default ?? module) as OrtModule,
    (e: Error) => new Error(`onnxruntime-node does not load: ${e.message}`),
  );
  return loaded;
}

/** ONNX Runtime's version when it loads, else null. */
export async function onnxRuntimeVersion(): Promise<string | null> {
  const ort = await loadOnnxRuntime();
  return ort instanceof Error ? null : ort.env.versions.common ?? "unknown";
}

/** ONNX Runtime's intra-op threads: QA_ONNX_THREADS, else the machine's cores. */
export function onnxThreads(): number {
  return setting("QA_ONNX_THREADS") ?? navigator.hardwareConcurrency;
}

/** An int64 input: [rows, length] ids. */
export interface IdsInput {
  data: BigInt64Array;
  dims: [number, number];
}

/** A float32 output and its shape. */
export interface FloatOutput {
  data: Float32Array;
  dims: number[];
}

/** One model file open in ONNX Runtime. */
export class OnnxSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly path: string,
    readonly threads: number,
  ) {}

  /** Opens `path` (a .onnx file) with `threads` intra-op threads (`onnxThreads()` by default). */
  static async open(path: string, threads = onnxThreads()): Promise<OnnxSession> {
    const ort = await loadOnnxRuntime();
    if (ort instanceof Error) throw ort;
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, {
        executionProviders: ["cpu"],
        graphOptimizationLevel: "all",
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
      });
    } catch (e) {
      throw new Error(`${path}: ONNX Runtime cannot open it: ${(e as Error).message}`);
    }
    return new OnnxSession(ort, session, path, threads);
  }

  /** The graph's input names. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** The graph's output names. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the graph on int64 inputs; returns the named float32 outputs. */
  async run(inputs: Record<string, IdsInput>, outputs: string[]): Promise<FloatOutput[]> {
    const feeds: Record<string, Ort.Tensor> = {};
    for (const [name, input] of Object.entries(inputs)) {
      feeds[name] = new this.ort.Tensor("int64", input.data, input.dims);
    }
    const results = await this.session.run(feeds, outputs);
    return outputs.map((name) => {
      const tensor = results[name];
      if (tensor.type !== "float32") {
        throw new Error(`${this.path}: output ${name} is ${tensor.type}, expected float32`);
      }
      return { data: tensor.data as Float32Array, dims: [...tensor.dims] };
    });
  }

  /** Frees the session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
