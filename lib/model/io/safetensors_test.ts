import assert from "node:assert/strict";
import { measurePeak } from "../../../test/peak_rss.ts";
import { sharedPath } from "../../../test/shared.ts";
import {
  halfToFloat,
  type NamedTensor,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  type Tensor,
} from "./safetensors.ts";

/** Every safetensors file of the shared folder, all written by the Python reference. */
const GOLDEN_FILES = [
  "golden/models/tiny-distilbert-init/model.safetensors",
  "golden/models/tiny-bert-init/model.safetensors",
  "golden/public/tiny-distilbert-after5/model.safetensors",
  "models/qa-distilbert-small-init/model.safetensors",
].map(sharedPath);

const TINY_DISTILBERT = GOLDEN_FILES[0];
const TINY_BERT = GOLDEN_FILES[1];

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** An independent read: header with JSON.parse, float32 values with DataView. */
async function independentRead(path: string) {
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const float = (name: string, index: number) => {
    const entry = header[name] as HeaderEntry;
    return view.getFloat32(8 + length + entry.data_offsets[0] + 4 * index, true);
  };
  return { bytes, length, header: header as Record<string, HeaderEntry>, float };
}

function headerLength(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

function named(tensors: Map<string, Tensor>): NamedTensor[] {
  return [...tensors].map(([name, tensor]) => ({ name, ...tensor }));
}

function assertThrowsMatching(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    for (const pattern of patterns) assert.match(e.message, pattern);
    return true;
  });
}

/** A little safetensors file with a hand-written header and `dataBytes` zero bytes of data. */
function fileWithHeader(header: unknown, dataBytes: number): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

Deno.test("tiny DistilBERT: names, shapes and dtypes from the golden file", async () => {
  const { tensors, metadata } = await readSafetensors(TINY_DISTILBERT);
  assert.deepEqual(metadata, { format: "pt" });
  assert.equal(tensors.size, 38);
  const shape = (name: string) => tensors.get(name)?.shape;
  assert.deepEqual(shape("distilbert.embeddings.word_embeddings.weight"), [30522, 32]);
  assert.deepEqual(shape("distilbert.embeddings.position_embeddings.weight"), [512, 32]);
  assert.deepEqual(shape("distilbert.transformer.layer.1.ffn.lin1.weight"), [64, 32]);
  assert.deepEqual(shape("distilbert.transformer.layer.1.ffn.lin2.weight"), [32, 64]);
  assert.deepEqual(shape("qa_outputs.weight"), [2, 32]);
  assert.deepEqual(shape("qa_outputs.bias"), [2]);
  for (const tensor of tensors.values()) {
    assert.equal(tensor.dtype, "F32");
    assert.ok(tensor.data instanceof Float32Array);
  }
});

Deno.test("tiny BERT: token type embeddings and pooler-free QA layout", async () => {
  const { tensors } = await readSafetensors(TINY_BERT);
  assert.equal(tensors.size, 39);
  assert.deepEqual(tensors.get("bert.embeddings.token_type_embeddings.weight")?.shape, [2, 32]);
  assert.deepEqual(
    tensors.get("bert.encoder.layer.0.attention.self.query.weight")?.shape,
    [32, 32],
  );
  assert.deepEqual(tensors.get("qa_outputs.weight")?.shape, [2, 32]);
  assert.ok(![...tensors.keys()].some((name) => name.includes("pooler")));
});

Deno.test("values match an independent DataView read; order is the file's", async () => {
  for (const path of [TINY_DISTILBERT, TINY_BERT]) {
    const golden = await independentRead(path);
    const { tensors } = parseSafetensors(golden.bytes, path);
    const byOffset = Object.keys(golden.header)
      .filter((name) => name !== "__metadata__")
      .sort((a, b) => golden.header[a].data_offsets[0] - golden.header[b].data_offsets[0]);
    assert.deepEqual([...tensors.keys()], byOffset);
    for (const [name, tensor] of tensors) {
      const n = tensor.data.length;
      for (const index of [0, 1, Math.floor(n / 2), n - 1]) {
        assert.equal(tensor.data[index], golden.float(name, index), `${name}[${index}]`);
      }
    }
    // The init recipe: LayerNorm weights 1, biases 0, the padding row of word embeddings 0.
    const prefix = path === TINY_BERT ? "bert" : "distilbert";
    assert.ok(tensors.get(`${prefix}.embeddings.LayerNorm.weight`)!.data.every((v) => v === 1));
    assert.ok(tensors.get("qa_outputs.bias")!.data.every((v) => v === 0));
    const words = tensors.get(`${prefix}.embeddings.word_embeddings.weight`)!.data;
    assert.ok(words.subarray(0, 32).every((v) => v === 0));
    assert.ok(words.subarray(32, 64).some((v) => v !== 0));
  }
});

Deno.test("serialize(parse(golden)) reproduces the Python-written bytes exactly", async () => {
  for (const path of GOLDEN_FILES) {
    const bytes = await Deno.readFile(path);
    const { tensors, metadata } = parseSafetensors(bytes, path);
    const shuffled = named(tensors).reverse(); // input order must not matter
    const written = serializeSafetensors(shuffled, metadata);
    assert.equal(written.length, bytes.length, path);
    assert.ok(written.every((b, i) => b === bytes[i]), `${path}: bytes differ`);
  }
});

Deno.test("the golden header layout: sorted names, compact JSON, space padding to 8", async () => {
  const golden = await independentRead(TINY_DISTILBERT);
  assert.equal(golden.length % 8, 0);
  const text = new TextDecoder().decode(golden.bytes.subarray(8, 8 + golden.length));
  assert.ok(
    text.startsWith('{"__metadata__":{"format":"pt"},"distilbert.embeddings.LayerNorm.bias"'),
  );
  assert.match(text, /^\{.*\} *$/);
  assert.ok(text.includes('"qa_outputs.weight":{"dtype":"F32","shape":[2,32],"data_offsets":['));
  const names = Object.keys(golden.header).slice(1);
  assert.deepEqual(names, [...names].sort());
});

// Byte vectors from the Rust crate's own tests (safetensors/src/tensor.rs: test_serialization,
// test_empty), which the Python library runs through.
Deno.test("serialize matches the safetensors crate's test vectors", () => {
  const data = new Float32Array([0, 1, 2, 3, 4, 5]);
  const out = serializeSafetensors(
    [{ name: "attn.0", dtype: "F32", shape: [1, 2, 3], data }],
    null,
  );
  const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(header.length, 64);
  assert.deepEqual([...out.subarray(0, 8)], [64, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(out.subarray(8, 72)), header);
  assert.deepEqual([...out.subarray(72, 80)], [0, 0, 0, 0, 0, 0, 128, 63]);

  const empty = serializeSafetensors([], null);
  assert.deepEqual([...empty], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  const framework = serializeSafetensors([], { framework: "pt" });
  assert.equal(framework.length, 48);
  assert.equal(framework[0], 40);
  assert.equal(
    new TextDecoder().decode(framework.subarray(8)),
    '{"__metadata__":{"framework":"pt"}}     ',
  );
});

Deno.test("writer order: dtype alignment descending, then name by UTF-8 bytes", () => {
  const tensors: NamedTensor[] = [
    { name: "b", dtype: "F16", shape: [1], data: new Uint16Array([0x3c00]) },
    { name: "a", dtype: "BF16", shape: [1], data: new Uint16Array([0x3f80]) },
    { name: "z", dtype: "I32", shape: [1], data: new Int32Array([7]) },
    { name: "y", dtype: "F32", shape: [1], data: new Float32Array([1]) },
    { name: "x", dtype: "F64", shape: [1], data: new Float64Array([1]) },
    { name: "w", dtype: "I64", shape: [1], data: new BigInt64Array([1n]) },
    { name: "\u{1F600}", dtype: "F32", shape: [], data: new Float32Array([2]) },
    { name: "\uFF21", dtype: "F32", shape: [], data: new Float32Array([3]) },
    { name: "B", dtype: "F32", shape: [], data: new Float32Array([4]) },
  ];
  const bytes = serializeSafetensors(tensors);
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  // UTF-8 order puts U+FF21 before U+1F600 (UTF-16 code units would not).
  assert.deepEqual(Object.keys(header), [
    "__metadata__",
    "w",
    "x",
    "B",
    "y",
    "\uFF21",
    "\u{1F600}",
    "z",
    "a",
    "b",
  ]); // deno-fmt-ignore
  assert.deepEqual(header.w.data_offsets, [0, 8]);
  assert.deepEqual(header.b.data_offsets, [38, 40]);
  assert.equal(bytes.length, 8 + length + 40);
  const parsed = parseSafetensors(bytes, "mixed").tensors;
  assert.deepEqual([...parsed.keys()], Object.keys(header).slice(1));
  assert.equal(parsed.get("w")!.data[0], 1n);
  assert.equal(parsed.get("z")!.data[0], 7);
});

Deno.test("integer-like tensor names keep the writer's order in the header", () => {
  const one = (name: string) => ({
    name,
    dtype: "F32" as const,
    shape: [1],
    data: new Float32Array(1),
  });
  const bytes = serializeSafetensors([one("10"), one("9"), one("a")]);
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength(bytes)));
  const at = (name: string) => text.indexOf(`"${name}":{`);
  assert.ok(0 < at("10") && at("10") < at("9") && at("9") < at("a"), text);
});

Deno.test("toFloat32 converts F16, BF16, F64; I64 as bigint or checked int32", () => {
  const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x8000, 0x3555];
  const tensors: NamedTensor[] = [
    { name: "half", dtype: "F16", shape: [half.length], data: new Uint16Array(half) },
    { name: "brain", dtype: "BF16", shape: [3], data: new Uint16Array([0x3f80, 0xc0a0, 0x0000]) },
    { name: "double", dtype: "F64", shape: [2], data: new Float64Array([0.1, -1e300]) },
    { name: "ids", dtype: "I64", shape: [2, 2], data: new BigInt64Array([0n, 1n, -5n, 511n]) },
    { name: "small", dtype: "I32", shape: [2], data: new Int32Array([3, -4]) },
  ];
  const bytes = serializeSafetensors(tensors);
  const raw = parseSafetensors(bytes, "mixed").tensors;
  assert.ok(raw.get("half")!.data instanceof Uint16Array);
  assert.ok(raw.get("ids")!.data instanceof BigInt64Array);
  assert.deepEqual([...raw.get("ids")!.data], [0n, 1n, -5n, 511n]);

  const { tensors: floats } = parseSafetensors(bytes, "mixed", { toFloat32: true, int64: "int32" });
  assert.deepEqual(
    [...floats.get("half")!.data],
    [1, -2, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, -0, Math.fround(halfToFloat(0x3555))],
  );
  assert.equal(floats.get("half")!.dtype, "F32");
  assert.deepEqual([...floats.get("brain")!.data], [1, -5, 0]);
  assert.deepEqual([...floats.get("double")!.data], [Math.fround(0.1), -Infinity]);
  assert.equal(floats.get("ids")!.dtype, "I32");
  assert.deepEqual([...floats.get("ids")!.data], [0, 1, -5, 511]);
  assert.deepEqual([...floats.get("small")!.data], [3, -4]);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x3555), 0.333251953125);

  const big = serializeSafetensors([
    { name: "big", dtype: "I64", shape: [2], data: new BigInt64Array([1n, 2n ** 31n]) },
  ]);
  assertThrowsMatching(
    () => parseSafetensors(big, "big.safetensors", { int64: "int32" }),
    /big\.safetensors/,
    /"big"/,
    /2147483648 at index 1 does not fit in int32/,
  );
});

Deno.test("a truncated file names the file and the first tensor cut off", async () => {
  const bytes = await Deno.readFile(TINY_DISTILBERT);
  assertThrowsMatching(
    () => parseSafetensors(bytes.subarray(0, bytes.length - 100), "cut.safetensors"),
    /^cut\.safetensors: truncated: tensor "qa_outputs\.weight"/,
    new RegExp(`\\(${bytes.length - 100} bytes, ${bytes.length} expected\\)`),
  );
  assertThrowsMatching(
    () => parseSafetensors(bytes.subarray(0, 1000), "head.safetensors"),
    /head\.safetensors: header length 4344 runs past the end of the file \(1000 bytes\)/,
  );
  assertThrowsMatching(() => parseSafetensors(bytes.subarray(0, 5), "tiny"), /tiny: not a/);
});

Deno.test("bad headers are errors naming the file and the tensor", () => {
  const f32 = (offsets: number[], shape = [2]) => ({ dtype: "F32", shape, data_offsets: offsets });
  const cases: [unknown, number, RegExp][] = [
    [{ a: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, 2, /"a": unsupported dtype/],
    [{ a: f32([0, 8]), b: f32([4, 12]) }, 12, /"b" \(data_offsets \[4, 12\]\) overlaps tensor "a"/],
    [{ a: f32([0, 8]), b: f32([12, 20]) }, 20, /bytes \[8, 12\) before tensor "b" belong to no/],
    [{ a: f32([0, 8]) }, 12, /4 bytes after the last tensor belong to no tensor/],
    [{ a: f32([0, 12]) }, 12, /"a": data_offsets \[0, 12\] do not fit shape \[2\] of F32/],
    [{ a: f32([8, 0]) }, 8, /"a": data_offsets \[8, 0\] do not fit/],
    [{ a: f32([0, 8], [-2]) }, 8, /"a": shape must be a list of sizes/],
    [{ a: { dtype: "F32", shape: [2] } }, 8, /"a": data_offsets must be \[begin, end\]/],
    [{ __metadata__: { format: 1 } }, 0, /__metadata__ must map names to strings/],
    [[1, 2], 0, /header is not a JSON object/],
  ];
  for (const [header, dataBytes, pattern] of cases) {
    assertThrowsMatching(
      () => parseSafetensors(fileWithHeader(header, dataBytes), "x.st"),
      /^x\.st: /,
      pattern,
    );
  }
  const malformed = fileWithHeader({ a: 1 }, 0);
  malformed[9] = 0x7b; // {{...
  assertThrowsMatching(
    () => parseSafetensors(malformed, "m.st"),
    /^m\.st: malformed safetensors header/,
  );
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  assertThrowsMatching(() => parseSafetensors(huge, "h.st"), /h\.st: header length .* over 100 MB/);
});

Deno.test("serialize refuses data that does not fit its dtype or shape", () => {
  const data = new Float32Array(3);
  assert.throws(
    () => serializeSafetensors([{ name: "a", dtype: "F32", shape: [2, 2], data }]),
    /"a": 3 elements/,
  );
  assert.throws(
    () => serializeSafetensors([{ name: "a", dtype: "F64", shape: [3], data }]),
    /Float64Array/,
  );
  const twice = { name: "a", dtype: "F32" as const, shape: [3], data };
  assert.throws(() => serializeSafetensors([twice, twice]), /"a" given twice/);
  // I64 accepts int32 values and widens them.
  const ids = serializeSafetensors([{
    name: "i",
    dtype: "I64",
    shape: [2],
    data: new Int32Array([-1, 9]),
  }]);
  assert.deepEqual([...parseSafetensors(ids, "ids").tensors.get("i")!.data], [-1n, 9n]);
});

Deno.test("readSafetensors streams: peak memory about the tensors, not twice the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/big.safetensors`;
  const tensors = Array.from({ length: 6 }, (_, i) => ({
    name: `layer.${i}.weight`,
    dtype: "F32" as const,
    shape: [4096, 2048],
    data: new Float32Array(4096 * 2048).fill(i),
  }));
  await Deno.writeFile(path, serializeSafetensors(tensors));
  const fileBytes = (await Deno.stat(path)).size; // 201 MB
  const module = new URL("./checkpoint.ts", import.meta.url).href;
  const script = `const { readWeights } = await import(${JSON.stringify(module)});
    const weights = await readWeights(${JSON.stringify(path)});
    if (weights.get("layer.5.weight").data[7] !== 5) throw new Error("wrong values");`;
  const idle = await measurePeak(["eval", `await import(${JSON.stringify(module)});`]);
  const run = await measurePeak(["eval", script]);
  await Deno.remove(dir, { recursive: true });
  if (!idle || !run) return;
  assert.equal(run.code, 0, run.stderr);
  const extra = run.peakBytes - idle.peakBytes;
  console.log(
    `reading ${fileBytes} bytes of safetensors: ${(extra / fileBytes).toFixed(2)}× the file`,
  );
  assert.ok(extra < 1.4 * fileBytes, `peak ${extra} bytes over idle for a ${fileBytes}-byte file`);
});

Deno.test("readSafetensors checks the header against the file's size before reading tensors", async () => {
  const dir = await Deno.makeTempDir();
  const header = new TextEncoder().encode(
    JSON.stringify({ w: { dtype: "F32", shape: [1 << 28], data_offsets: [0, 1 << 30] } }),
  );
  const bytes = new Uint8Array(8 + header.length + 16);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  await Deno.writeFile(`${dir}/lies.safetensors`, bytes);
  await assert.rejects(
    () => readSafetensors(`${dir}/lies.safetensors`),
    /lies\.safetensors: truncated: tensor "w" \(data_offsets \[0, 1073741824\]\) runs past/,
  );
  await assert.rejects(
    () => readSafetensors(`${dir}/none.safetensors`),
    /none\.safetensors: no such file/,
  );
});
