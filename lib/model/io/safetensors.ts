/**
 * The safetensors format (https://huggingface.co/docs/safetensors), by hand:
 *
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   a JSON object {"__metadata__": {...}, NAME: {"dtype", "shape", "data_offsets"}, ...},
 *             padded with spaces to a multiple of 8
 *   the rest  the tensors' bytes, little-endian, row-major; data_offsets count from here and must
 *             tile it exactly (no gaps, no overlaps, nothing left over)
 *
 * `serializeSafetensors` writes byte for byte what the Python/Rust `safetensors` library writes.
 */

/** The element types we read and write. */
export type Dtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32";

/** Tensor elements; F16 and BF16 are raw 16-bit patterns until converted with `toFloat32`. */
export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array;

/** One tensor: `data` holds product(shape) elements of `dtype`, row-major. */
export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

/** A tensor with its name, as `serializeSafetensors` takes it. */
export interface NamedTensor extends Tensor {
  name: string;
}

/** A parsed file: tensors in file order, and the `__metadata__` string map (null when absent). */
export interface Safetensors {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string> | null;
}

/** How `parseSafetensors` hands out elements. */
export interface ParseOptions {
  /** Convert F64, F16 and BF16 tensors to F32 (Float32Array). Default false. */
  toFloat32?: boolean;
  /** I64 as BigInt64Array ("bigint", the default) or as Int32Array with a range check ("int32"). */
  int64?: "bigint" | "int32";
}

const BYTES_PER_ELEMENT: Record<Dtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
};
const DTYPES = Object.keys(BYTES_PER_ELEMENT) as Dtype[];

/**
 * The Rust writer's `Dtype` enum, in declaration order (increasing alignment). It writes tensors
 * sorted by this rank descending, then by name, so that every tensor's data stays aligned.
 */
// deno-fmt-ignore
const WRITER_DTYPE_RANK = [
  "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
  "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64",
];

/** The Rust reader refuses headers larger than this (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One header entry, checked. */
interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file without holding it whole: the 8-byte length and the header first, all
 * checked against the file's size before any tensor is read, then each tensor straight into its
 * own buffer. Peak memory is the tensors themselves (plus one tensor while converting).
 */
export async function readSafetensors(
  path: string,
  options: ParseOptions = {},
): Promise<Safetensors> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${path}: no such file`);
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  try {
    const fileLength = (await file.stat()).size;
    const prefix = await readAt(file, 0, Math.min(8, fileLength), path);
    const length = headerLength(prefix, fileLength, path);
    const header = parseHeader(await readAt(file, 8, length, path), path);
    const { entries, metadata } = checkHeader(header, 8 + length, fileLength, path);
    const tensors = new Map<string, Tensor>();
    for (const entry of entries) {
      const raw = await readAt(file, 8 + length + entry.begin, entry.end - entry.begin, path);
      tensors.set(entry.name, tensorOf(entry, raw, options, path));
    }
    return { tensors, metadata };
  } finally {
    file.close();
  }
}

// `length` bytes at `position` into a fresh (so aligned) buffer; a short file is named.
async function readAt(
  file: Deno.FsFile,
  position: number,
  length: number,
  source: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  for (let done = 0; done < length;) {
    const read = await file.read(bytes.subarray(done));
    if (read === null) {
      throw new Error(`${source}: the file ended at byte ${position + done} while being read`);
    }
    done += read;
  }
  return bytes;
}

/**
 * Parses the bytes of a safetensors file; `source` (a path) names the file in errors. Every
 * structural problem is an error naming the file and, where there is one, the tensor.
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source: string,
  options: ParseOptions = {},
): Safetensors {
  const length = headerLength(bytes, bytes.length, source);
  const header = parseHeader(bytes.subarray(8, 8 + length), source);
  const { entries, metadata } = checkHeader(header, 8 + length, bytes.length, source);
  const tensors = new Map<string, Tensor>();
  for (const entry of entries) {
    const begin = 8 + length + entry.begin;
    const raw = bytes.slice(begin, begin + entry.end - entry.begin); // a copy, aligned
    tensors.set(entry.name, tensorOf(entry, raw, options, source));
  }
  return { tensors, metadata };
}

// The checked entries, in file order, and the metadata of a parsed header.
function checkHeader(
  header: Record<string, unknown>,
  dataStart: number,
  fileLength: number,
  source: string,
): { entries: Entry[]; metadata: Record<string, string> | null } {
  const metadata = readMetadata(header, source);
  const entries = Object.entries(header)
    .filter(([name]) => name !== "__metadata__")
    .map(([name, info]) => checkEntry(name, info, source));
  checkLayout(entries, fileLength - dataStart, fileLength, source);
  return { entries, metadata };
}

// One tensor from its own bytes, converted as `options` ask.
function tensorOf(entry: Entry, raw: Uint8Array, options: ParseOptions, source: string): Tensor {
  let tensor: Tensor = { dtype: entry.dtype, shape: entry.shape, data: view(entry.dtype, raw) };
  if (options.toFloat32 && isFloat(tensor.dtype)) {
    tensor = { dtype: "F32", shape: tensor.shape, data: toFloat32(tensor) };
  }
  if (options.int64 === "int32" && tensor.dtype === "I64") {
    tensor = { dtype: "I32", shape: tensor.shape, data: int64ToInt32(tensor, entry.name, source) };
  }
  return tensor;
}

// The header's length from the first 8 bytes, checked against the file's length.
function headerLength(bytes: Uint8Array, fileLength: number, source: string): number {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error("safetensors: big-endian hosts are not supported");
  if (fileLength < 8) {
    throw new Error(`${source}: not a safetensors file (${fileLength} bytes, no 8-byte header)`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`${source}: header length ${declared} is over 100 MB: not a safetensors file`);
  }
  const length = Number(declared);
  if (8 + length > fileLength) {
    throw new Error(
      `${source}: header length ${length} runs past the end of the file (${fileLength} bytes): ` +
        `truncated, or not a safetensors file`,
    );
  }
  return length;
}

function parseHeader(bytes: Uint8Array, source: string): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`${source}: malformed safetensors header: ${(e as Error).message}`);
  }
  if (!isObject(header)) throw new Error(`${source}: safetensors header is not a JSON object`);
  return header;
}

function readMetadata(header: Record<string, unknown>, source: string) {
  if (!("__metadata__" in header)) return null;
  const metadata = header.__metadata__;
  if (!isObject(metadata) || Object.values(metadata).some((v) => typeof v !== "string")) {
    throw new Error(`${source}: __metadata__ must map names to strings`);
  }
  return metadata as Record<string, string>;
}

function checkEntry(name: string, info: unknown, source: string): Entry {
  const where = `${source}: tensor "${name}"`;
  if (!isObject(info)) throw new Error(`${where}: header entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== "string" || !DTYPES.includes(dtype as Dtype)) {
    throw new Error(`${where}: unsupported dtype ${JSON.stringify(dtype)} (we read ${DTYPES})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new Error(`${where}: shape must be a list of sizes, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new Error(`${where}: data_offsets must be [begin, end], got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as number[];
  const needed = byteLength(dtype as Dtype, shape);
  if (!Number.isSafeInteger(needed) || end < begin || end - begin !== needed) {
    throw new Error(
      `${where}: data_offsets [${begin}, ${end}] do not fit shape [${shape}] of ${dtype} ` +
        `(${needed} bytes)`,
    );
  }
  return { name, dtype: dtype as Dtype, shape, begin, end };
}

/** Sorts entries by offset and checks that they tile the data section exactly. */
function checkLayout(entries: Entry[], dataLength: number, fileLength: number, source: string) {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: Entry | null = null;
  for (const entry of entries) {
    const offsets = `data_offsets [${entry.begin}, ${entry.end}]`;
    if (entry.begin < position) {
      throw new Error(
        `${source}: tensor "${entry.name}" (${offsets}) overlaps tensor "${previous!.name}"`,
      );
    }
    if (entry.begin > position) {
      throw new Error(
        `${source}: bytes [${position}, ${entry.begin}) before tensor "${entry.name}" belong to ` +
          `no tensor (data_offsets must be contiguous)`,
      );
    }
    if (entry.end > dataLength) {
      throw new Error(
        `${source}: truncated: tensor "${entry.name}" (${offsets}) runs past the ${dataLength} ` +
          `data bytes in the file (${fileLength} bytes, ` +
          `${fileLength - dataLength + lastEnd(entries)} expected)`,
      );
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) {
    throw new Error(
      `${source}: ${dataLength - position} bytes after the last tensor belong to no tensor`,
    );
  }
}

function lastEnd(entries: Entry[]): number {
  return Math.max(0, ...entries.map((e) => e.end));
}

/** Typed view of a freshly copied (so aligned) byte range. */
function view(dtype: Dtype, raw: Uint8Array): TensorData {
  const buffer = raw.buffer;
  switch (dtype) {
    case "F64":
      return new Float64Array(buffer);
    case "F32":
      return new Float32Array(buffer);
    case "F16":
    case "BF16":
      return new Uint16Array(buffer);
    case "I64":
      return new BigInt64Array(buffer);
    case "I32":
      return new Int32Array(buffer);
  }
}

/** True for the floating-point dtypes. */
export function isFloat(dtype: Dtype): boolean {
  return dtype === "F64" || dtype === "F32" || dtype === "F16" || dtype === "BF16";
}

/**
 * A tensor's elements as float32: F32 as is, F64 rounded, F16 and BF16 widened exactly. Integer
 * tensors are converted too when every value is exactly representable (|v| <= 2^24).
 */
export function toFloat32(tensor: Tensor, where = "tensor"): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === "F32") return data as Float32Array;
  if (dtype === "F64") return Float32Array.from(data as Float64Array);
  if (dtype === "F16") return Float32Array.from(data as Uint16Array, halfToFloat);
  if (dtype === "BF16") return bfloat16ToFloat32(data as Uint16Array);
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = Number(data[i]);
    if (Math.abs(value) > 2 ** 24) {
      throw new Error(`${where}: ${dtype} value ${data[i]} at index ${i} is not exact in float32`);
    }
    out[i] = value;
  }
  return out;
}

/** IEEE half-precision bits to a number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the top half of a float32: shift the bits into place. */
function bfloat16ToFloat32(data: Uint16Array): Float32Array {
  const out = new Float32Array(data.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < data.length; i++) bits[i] = data[i] << 16;
  return out;
}

function int64ToInt32(tensor: Tensor, name: string, source: string): Int32Array {
  const data = tensor.data as BigInt64Array;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    if (data[i] < -(2n ** 31n) || data[i] >= 2n ** 31n) {
      throw new Error(
        `${source}: tensor "${name}": I64 value ${data[i]} at index ${i} does not fit in int32`,
      );
    }
    out[i] = Number(data[i]);
  }
  return out;
}

/**
 * Serializes tensors exactly as the Python `safetensors` library does (its Rust `serialize`):
 * tensors ordered by dtype alignment descending, then by name (UTF-8 bytes); compact JSON header
 * with `__metadata__` first and each entry's keys as dtype, shape, data_offsets; spaces pad the
 * header to a multiple of 8; data little-endian, back to back. `metadata` defaults to
 * {"format": "pt"}, what transformers' save_pretrained writes and from_pretrained expects; pass
 * null to leave `__metadata__` out. I64 data may be a BigInt64Array or an Int32Array.
 */
export function serializeSafetensors(
  tensors: NamedTensor[],
  metadata: Record<string, string> | null = { format: "pt" },
): Uint8Array {
  const ordered = [...tensors].sort(writerOrder);
  checkUniqueNames(ordered);
  const fields: string[] = metadata ? [`"__metadata__":${jsonObject(metadata)}`] : [];
  const payloads: Uint8Array[] = [];
  let offset = 0;
  for (const tensor of ordered) {
    const payload = tensorBytes(tensor);
    const info = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + payload.length],
    };
    fields.push(`${JSON.stringify(tensor.name)}:${JSON.stringify(info)}`);
    payloads.push(payload);
    offset += payload.length;
  }
  const header = padHeader(new TextEncoder().encode(`{${fields.join(",")}}`));
  const out = new Uint8Array(8 + header.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let position = 8 + header.length;
  for (const payload of payloads) {
    out.set(payload, position);
    position += payload.length;
  }
  return out;
}

/** The Rust writer's order: larger dtype rank first, then name by UTF-8 bytes. */
function writerOrder(a: NamedTensor, b: NamedTensor): number {
  const rank = WRITER_DTYPE_RANK.indexOf(b.dtype) - WRITER_DTYPE_RANK.indexOf(a.dtype);
  return rank || compareUtf8(a.name, b.name);
}

function compareUtf8(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

/** A JSON object with keys in insertion order (JSON.stringify puts integer-like keys first). */
function jsonObject(map: Record<string, string>): string {
  const fields = Object.keys(map).map((k) => `${JSON.stringify(k)}:${JSON.stringify(map[k])}`);
  return `{${fields.join(",")}}`;
}

function padHeader(header: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(header.length / 8) * 8).fill(0x20); // spaces
  padded.set(header);
  return padded;
}

function checkUniqueNames(ordered: NamedTensor[]): void {
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i].name === ordered[i - 1].name) {
      throw new Error(`safetensors: tensor "${ordered[i].name}" given twice`);
    }
  }
  if (ordered.some((t) => t.name === "__metadata__")) {
    throw new Error(`safetensors: "__metadata__" cannot name a tensor`);
  }
}

/** The little-endian bytes of one tensor, after checking its data against dtype and shape. */
function tensorBytes(tensor: NamedTensor): Uint8Array {
  const { name, dtype, shape } = tensor;
  if (!DTYPES.includes(dtype)) throw new Error(`safetensors: tensor "${name}": dtype ${dtype}?`);
  let data = tensor.data;
  if (dtype === "I64" && data instanceof Int32Array) data = BigInt64Array.from(data, BigInt);
  if (!(data instanceof EXPECTED_ARRAY[dtype])) {
    throw new Error(
      `safetensors: tensor "${name}": ${dtype} data must be a ${EXPECTED_ARRAY[dtype].name}`,
    );
  }
  if (!shape.every(isCount) || data.length !== elementCount(shape)) {
    throw new Error(
      `safetensors: tensor "${name}": ${data.length} elements do not fill shape [${shape}]`,
    );
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const EXPECTED_ARRAY = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
};

/** The number of elements of a shape (1 for a scalar). */
export function elementCount(shape: number[]): number {
  return shape.reduce((n, size) => n * size, 1);
}

function byteLength(dtype: Dtype, shape: number[]): number {
  return elementCount(shape) * BYTES_PER_ELEMENT[dtype];
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
