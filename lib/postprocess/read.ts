import { parseJsonLines, readText } from "../data/mod.ts";
import type { Offset, ValidationFeature } from "../features/mod.ts";

/** Validation features with the model's logits, as `dev_features_logits.jsonl` holds them. */
export interface FeaturesWithLogits {
  features: ValidationFeature[];
  startLogits: number[][];
  endLogits: number[][];
}

/**
 * Reads a JSONL file of validation features that also carry `start_logits` and `end_logits`.
 * A line with a missing field, logits of the wrong length or that are not finite numbers, or an
 * offset that is not `[start, end]` or null, is reported with its line, id and field.
 */
export async function readFeaturesWithLogits(path: string): Promise<FeaturesWithLogits> {
  const rows = parseJsonLines(await readText(path), path);
  const out: FeaturesWithLogits = { features: [], startLogits: [], endLogits: [] };
  rows.forEach((row, i) => {
    const where = `${path}: line ${i + 1}`;
    if (typeof row !== "object" || row === null) throw new Error(`${where}: not a JSON object`);
    const r = row as Record<string, unknown>;
    const id = typeof r.example_id === "string" ? r.example_id : undefined;
    const fail = (problem: string) =>
      new Error(`${where}${id ? ` (example ${id})` : ""}: ${problem}`);
    if (id === undefined) throw fail('missing field "example_id"');
    for (const field of ["input_ids", "offset_mapping", "start_logits", "end_logits"]) {
      if (!Array.isArray(r[field])) throw fail(`missing field "${field}"`);
    }
    const length = (r.input_ids as unknown[]).length;
    for (const field of ["offset_mapping", "start_logits", "end_logits"]) {
      const n = (r[field] as unknown[]).length;
      if (n !== length) throw fail(`"${field}" has ${n} entries, input_ids ${length}`);
    }
    for (const field of ["start_logits", "end_logits"]) {
      const bad = (r[field] as unknown[]).findIndex((v) => typeof v !== "number" || !isFinite(v));
      if (bad >= 0) {
        throw fail(
          `"${field}"[${bad}] should be a finite number, got ${
            JSON.stringify((r[field] as unknown[])[bad])
          }`,
        );
      }
    }
    const badOffset = (r.offset_mapping as unknown[]).findIndex((o) => !isOffset(o));
    if (badOffset >= 0) {
      throw fail(
        `"offset_mapping"[${badOffset}] should be null or [start, end], got ${
          JSON.stringify((r.offset_mapping as unknown[])[badOffset])
        }`,
      );
    }
    out.features.push({
      example_id: id,
      input_ids: r.input_ids as number[],
      attention_mask: (r.attention_mask as number[]) ?? [],
      token_type_ids: (r.token_type_ids as number[]) ?? [],
      offset_mapping: r.offset_mapping as (Offset | null)[],
    });
    out.startLogits.push(r.start_logits as number[]);
    out.endLogits.push(r.end_logits as number[]);
  });
  return out;
}

function isOffset(value: unknown): boolean {
  return value === null ||
    (Array.isArray(value) && value.length === 2 && value.every((n) => Number.isSafeInteger(n)));
}
