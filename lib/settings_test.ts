import assert from "node:assert/strict";
import { assertEquals } from "../test/assert.ts";
import { rereadSettings, setting } from "./settings.ts";

/** Runs `check` with `name` set to `value` (undefined: unset), then restores the variable. */
function withVariable(name: string, value: string | undefined, check: () => void): void {
  const before = Deno.env.get(name);
  if (value == null) Deno.env.delete(name);
  else Deno.env.set(name, value);
  rereadSettings();
  try {
    check();
  } finally {
    if (before == null) Deno.env.delete(name);
    else Deno.env.set(name, before);
    rereadSettings();
  }
}

Deno.test("settings: unset or empty variables take their defaults", () => {
  withVariable("QA_WEBGPU_MATMUL", undefined, () => {
    assertEquals(setting("QA_WEBGPU_MATMUL"), "tiled-prefetch");
  });
  withVariable(
    "QA_WEBGPU_SPLIT_FILL",
    "",
    () => assertEquals(setting("QA_WEBGPU_SPLIT_FILL"), 1056),
  );
  withVariable("QA_CACHE", undefined, () => assertEquals(setting("QA_CACHE"), undefined));
});

Deno.test("settings: values are parsed, and read once until reread", () => {
  withVariable("QA_EPOCHS", "2.5", () => {
    assertEquals(setting("QA_EPOCHS"), 2.5);
    Deno.env.set("QA_EPOCHS", "7");
    assertEquals(setting("QA_EPOCHS"), 2.5);
  });
  withVariable("QA_DEBUG", "1", () => assertEquals(setting("QA_DEBUG"), true));
  withVariable("QA_WEBGPU", "dawn", () => assertEquals(setting("QA_WEBGPU"), "dawn"));
});

Deno.test("settings: a bad value is an error naming the variable and what it expects", () => {
  withVariable("QA_WEBGPU_MATMUL", "fast", () => {
    assert.throws(() => setting("QA_WEBGPU_MATMUL"), {
      message:
        "QA_WEBGPU_MATMUL=fast: expected one of tiled, vec4, tiled-prefetch, vec4-prefetch, plain",
    });
  });
  withVariable("QA_BATCH_SIZE", "8.5", () => {
    assert.throws(() => setting("QA_BATCH_SIZE"), {
      message: "QA_BATCH_SIZE=8.5: expected a positive integer",
    });
  });
  withVariable("QA_LR", "-1", () => {
    assert.throws(() => setting("QA_LR"), { message: "QA_LR=-1: expected a positive number" });
  });
  withVariable("QA_DEBUG", "yes", () => {
    assert.throws(() => setting("QA_DEBUG"), { message: "QA_DEBUG=yes: expected 1 or 0" });
  });
});
