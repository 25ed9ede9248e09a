// The command line: `deno task qa <command>`. Each command is a thin driver over lib/.
import { Command } from "commander";
import { setMaxInputBytes } from "../lib/data/mod.ts";
import { positiveNumber } from "./model_args.ts";
import { askCommand } from "./ask.ts";
import { chartCommand } from "./chart.ts";
import { evaluateCommand } from "./evaluate.ts";
import { exportCommand } from "./export.ts";
import { featurizeCommand } from "./featurize.ts";
import { runMain } from "./main.ts";
import { postprocessCommand } from "./postprocess.ts";
import { predictCommand } from "./predict.ts";
import { serveCommand } from "./serve.ts";
import { trainCommand } from "./train.ts";

const program = new Command("qa")
  .description("extractive question answering: data, features, training, decoding and metrics")
  .showHelpAfterError()
  .option(
    "--max-input-mb <n>",
    "most MiB one data file may hold once gunzipped (default 256, env QA_MAX_INPUT_MB)",
    positiveNumber("--max-input-mb"),
  )
  .hook("preAction", (command) => {
    const mb = command.opts().maxInputMb;
    if (mb !== undefined) setMaxInputBytes(mb * (1 << 20));
  });

featurizeCommand(program);
postprocessCommand(program);
evaluateCommand(program);
trainCommand(program);
predictCommand(program);
askCommand(program);
chartCommand(program);
serveCommand(program);
exportCommand(program);

await runMain(async () => {
  await program.parseAsync(["deno", "qa", ...Deno.args]);
});
