import { assertEquals } from "../../test/assert.ts";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../runtime/mod.ts";
import { readValues, updateValues } from "./values.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`${backend}: readValues reads, updateValues writes a variable's values`, async () => {
    await initBackend(backend);
    const variable = tf.variable(tf.tensor1d([1, 2, 3]));
    assertEquals(readValues(variable, (values) => [...values]), [1, 2, 3]);
    updateValues(variable, (values) => values.forEach((v, i) => values[i] = v * 10));
    assertEquals([...variable.dataSync()], [10, 20, 30]);
    variable.dispose();
  });

  Deno.test(`${backend}: updateValues leaves tensors that share the variable's data alone`, async () => {
    await initBackend(backend);
    const variable = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const alias = variable.reshape([4]); // shares the data on both backends
    updateValues(variable, (values) => values.fill(0));
    assertEquals([...variable.dataSync()], [0, 0, 0, 0]);
    assertEquals([...alias.dataSync()], [1, 2, 3, 4]);
    tf.dispose([variable, alias]);
  });
}
