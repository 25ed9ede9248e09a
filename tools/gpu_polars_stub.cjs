// Stands in for nodejs-polars' native library (115 MB) in the GPU machine's pack (tools/gpu_pack.sh):
// training, the bench and the webgpu tests import polars (through lib/data/mod.ts) but never use
// it. Polars calls its library while it loads, so any property and any call gives another stub;
// turning one into a value (a string, a number, JSON: what showing a table does) throws.
"use strict";
const message =
  "nodejs-polars is not in the GPU pack (tools/gpu_pack.sh leaves its native library " +
  "out); run this command where the project's node_modules is installed";
function fail() {
  throw new Error(message);
}
const VALUE_KEYS = new Set(["toString", "valueOf", "toJSON", Symbol.toPrimitive]);
function stub() {
  return new Proxy(function polarsStub() {}, {
    get: (_, key) => {
      if (VALUE_KEYS.has(key)) return fail;
      return key === "then" || typeof key === "symbol" ? undefined : stub();
    },
    apply: () => stub(),
    construct: () => stub(),
  });
}
module.exports = stub();
