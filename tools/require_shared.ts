// Run by `deno task test` before the tests: most of them compare with the reference material in
// ../shared (golden outputs of the Python stack, SQuAD pools, tokenizers). Where that folder is
// missing, this says so in one message and stops, instead of a hundred failing tests each naming a
// missing file.
//   deno run --allow-env --allow-read tools/require_shared.ts
import { sharedRoot } from "../test/shared.ts";

const root = sharedRoot();
const present = await Deno.stat(`${root}/golden`).then((info) => info.isDirectory, () => false);
if (!present) {
  console.error(
    `the tests need the reference folder ${root} (golden outputs, SQuAD pools, tokenizers; ` +
      "see its README.md): put it beside the checkout as ../shared or set QA_SHARED to it. " +
      "Without it, the demo and the notebooks still run (deno task demo).",
  );
  Deno.exit(1);
}
