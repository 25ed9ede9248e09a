// The page's behaviour: fill the form from a SQuAD example, ask POST /explain (or, in "Run in
// this browser" mode, the model loaded into the tab by bundle.js), show the answers, the answer in
// its context, the n-best table, the logit chart and the windows.
const $ = (id) => document.getElementById(id);
let examples = [];

async function loadExamples() {
  const select = $("example");
  try {
    const response = await fetch("examples");
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    examples = await response.json();
  } catch (e) {
    select.innerHTML = "";
    select.append(new Option(`Examples unavailable (${e.message})`, ""));
    return;
  }
  select.innerHTML = "";
  select.append(new Option("Pick an example to fill the form…", ""));
  examples.forEach((example, i) => {
    const question = example.question.length > 70
      ? `${example.question.slice(0, 70)}…`
      : example.question;
    select.append(new Option(`${example.title}: ${question}`, String(i)));
  });
}

function pickExample() {
  const example = examples[Number($("example").value)];
  if ($("example").value === "" || !example) return;
  $("question").value = example.question;
  $("context").value = example.context;
  say(`Example filled in. SQuAD's answer: “${example.answers[0]}”. Press Answer.`);
}

// Scores are probabilities; an untrained model's are tiny, so small ones keep 3 digits.
const formatScore = (score) => score >= 0.001 ? score.toFixed(4) : score.toExponential(2);

function say(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value;
  const context = $("context").value;
  if (question.trim() === "") return refuse("Type a question first.", "question");
  if (context.trim() === "") {
    return refuse("Paste a context: the text to find the answer in.", "context");
  }
  const topK = Number($("top-k").value);
  const maxAnswerLen = Number($("max-answer-len").value);
  if (!Number.isInteger(topK) || topK < 1 || topK > 50) {
    return refuse("“Answers to show” must be a whole number from 1 to 50.", "top-k");
  }
  if (!Number.isInteger(maxAnswerLen) || maxAnswerLen < 1) {
    return refuse(
      "“Longest answer” must be a whole number of tokens, 1 or more.",
      "max-answer-len",
    );
  }
  const body = {
    inputs: { question, context },
    parameters: {
      top_k: topK,
      max_answer_len: maxAnswerLen,
      handle_impossible_answer: $("impossible").checked,
    },
  };
  $("answer-button").disabled = true;
  if (document.querySelector('input[name="where"]:checked').value === "browser") {
    try {
      await askInBrowser(question, context, topK, maxAnswerLen);
    } catch (e) {
      say(`This browser could not answer: ${e.message}`, true);
    } finally {
      $("answer-button").disabled = false;
    }
    return;
  }
  say("Answering…");
  try {
    const response = await fetch("explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) {
      const why = reply.error ?? `HTTP ${response.status}`;
      say(`The server could not answer: ${why}`, true);
      return;
    }
    show(context, reply);
    $("answered-by").textContent = "Answered by the server.";
    say("");
  } catch (e) {
    say(`The server could not be reached (${e.message}). Is qa serve still running?`, true);
  } finally {
    $("answer-button").disabled = false;
  }
}

// The model in this tab: bundle.js loads the served model folder once, then answers here.
let browserModel = null;

async function askInBrowser(question, context, topK, maxAnswerLength) {
  if (!browserModel) {
    say("Loading the model into this tab…");
    const { loadInBrowser } = await import("./bundle.js").catch(bundleMissing);
    browserModel = loadInBrowser(new URL(".", location.href).href);
    browserModel.catch(() => browserModel = null);
  }
  const qa = await browserModel;
  say(`Answering in this browser (${qa.backend})…`);
  const { answers, windows } = await qa.answer(question, context, {
    topK,
    maxAnswerLength,
    handleImpossibleAnswer: $("impossible").checked,
  });
  show(context, { answers, windows, chartWindow: -1, chartSvg: null });
  // The unrounded answers, for the console and the browser test.
  globalThis.qaBrowserAnswers = answers;
  $("answered-by").textContent =
    `Answered in this browser: TensorFlow.js ${qa.backend}, TypeScript WordPiece tokenizer.`;
  say("");
}

// The import failed: say what the server says about bundle.js (not built: run deno task bundle).
async function bundleMissing(error) {
  const response = await fetch("bundle.js").catch(() => null);
  const reply = response && !response.ok ? await response.json().catch(() => ({})) : {};
  throw new Error(reply.error ?? `bundle.js could not be loaded (${error.message})`);
}

function refuse(message, field) {
  say(message, true);
  $(field).focus();
}

function show(context, { answers, windows, chartWindow, chartSvg }) {
  const best = answers[0];
  $("best-answer").textContent = best.answer === "" ? "(no answer)" : `“${best.answer}”`;
  $("best-score").textContent = `score ${formatScore(best.score)}`;
  $("highlighted").replaceChildren(...marked(context, best.start, best.end, "answer-mark"));
  $("nbest").tBodies[0].replaceChildren(...answers.map(nbestRow));
  if (chartSvg) {
    const image = new Image();
    image.src = URL.createObjectURL(new Blob([chartSvg], { type: "image/svg+xml" }));
    image.alt = `Start and end logits over the tokens of window ${chartWindow + 1}`;
    $("chart").replaceChildren(image);
  } else {
    const note = document.createElement("p");
    note.className = "note";
    note.textContent = "The chart is drawn by the server: answer on the server to see it.";
    $("chart").replaceChildren(note);
  }
  $("windows").replaceChildren(
    ...windows.map((w, i) => windowItem(w, i, i === chartWindow, best)),
  );
  $("results").hidden = false;
}

// The text with [start, end) in a <mark> (nothing marked for the empty answer).
function marked(text, start, end, id) {
  if (start === end) return [document.createTextNode(text)];
  const mark = document.createElement("mark");
  mark.textContent = text.slice(start, end);
  if (id) mark.id = id;
  return [
    document.createTextNode(text.slice(0, start)),
    mark,
    document.createTextNode(text.slice(end)),
  ];
}

function nbestRow(answer, i) {
  const row = document.createElement("tr");
  const cells = [
    [String(i + 1), "number"],
    [answer.answer === "" ? "(no answer)" : answer.answer, ""],
    [formatScore(answer.score), "number"],
    [String(answer.start), "number"],
    [String(answer.end), "number"],
  ];
  for (const [text, kind] of cells) {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (kind) cell.className = kind;
    row.append(cell);
  }
  return row;
}

function windowItem(window, i, charted, best) {
  const item = document.createElement("li");
  const title = document.createElement("div");
  title.textContent =
    `Window ${i + 1}: ${window.tokens} tokens, context characters ${window.start}–${window.end}` +
    (charted ? " (the chart's window)" : "");
  const text = document.createElement("div");
  text.className = "context";
  const holds = best.start >= window.start && best.end <= window.end && best.start < best.end;
  text.append(
    ...(holds
      ? marked(window.text, best.start - window.start, best.end - window.start)
      : [document.createTextNode(window.text)]),
  );
  item.append(title, text);
  return item;
}

$("ask").addEventListener("submit", ask);
$("example").addEventListener("change", pickExample);
loadExamples();
