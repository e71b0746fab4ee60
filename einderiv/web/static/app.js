// einderiv serve: the page's script. Vanilla JS, no dependencies besides the vendored KaTeX.
// State lives in the URL (?expr=&wrt=&where=&layout=&claim=): a shared link opens computed.
// Every request goes to the local server (/api/diff, /api/check); a newer input aborts the
// requests of the older one (the server then stops their work), and answers to older requests
// are ignored, so the page always shows the result of the latest input. A verdict is hidden as
// soon as any field changes: it is never shown next to a claim it was not given for.
"use strict";

const $ = (id) => document.getElementById(id);
const FIELDS = ["expr", "wrt", "where", "claim"];
const DELAY_MS = 350;
let timer = null;
let latest = 0;
let result = null;
let form = "text";
let checking = null; // the AbortController of the check in flight
let differentiating = null; // the derivative in flight: {key, controller, answer}
let shown = null; // the derivative shown: {key, answer}
let ready = null; // an answer that arrived after its run was replaced: {key, answer}
let urlLayout = null; // a layout in the address that no button has: sent, so it is refused

function layout() {
  const checked = document.querySelector('input[name="layout"]:checked');
  return checked ? checked.value : urlLayout || "numerator";
}

function values() {
  const v = { layout: layout() };
  for (const name of FIELDS) v[name] = $(name).value;
  return v;
}

function fromURL() {
  const params = new URLSearchParams(window.location.search);
  for (const name of FIELDS) {
    // a one-line field: a new line separates declarations (;), elsewhere it is a space
    const value = params.get(name) || "";
    $(name).value = value.replace(/\r\n|\r|\n/g, name === "where" ? "; " : " ");
  }
  const wanted = params.get("layout");
  let known = false;
  for (const radio of document.querySelectorAll('input[name="layout"]')) {
    radio.checked = radio.value === (wanted || "numerator");
    known = known || radio.checked;
  }
  urlLayout = known ? null : wanted;
}

function toURL() {
  const params = new URLSearchParams();
  const v = values();
  for (const name of ["expr", "wrt", "where", "layout", "claim"]) {
    if (v[name] && !(name === "layout" && v[name] === "numerator")) params.set(name, v[name]);
  }
  const query = params.toString();
  window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
}

function math(element, latex) {
  if (window.katex) {
    window.katex.render(latex, element, { displayMode: true, throwOnError: false });
  } else {
    element.textContent = latex;
  }
}

async function post(path, body, signal) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") return { aborted: true };
    return { error: "the einderiv server cannot be reached (is einderiv serve running?)" };
  }
  try {
    return await response.json();
  } catch (error) {
    if (error.name === "AbortError") return { aborted: true };
    return { error: `the server answered ${response.status} without a JSON body` };
  }
}

function showError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

function showForm() {
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.setAttribute("aria-selected", String(tab.dataset.form === form));
  }
  let text = result ? result[form] : "";
  if (form === "steps" && result && !text) text = "(the steps are not available for this result)";
  $("form").textContent = text || "";
}

function showDiff(answer, v) {
  document.body.classList.remove("busy");
  showError($("error"), answer.error);
  $("answer").hidden = Boolean(answer.error);
  if (answer.error) {
    $("status").textContent = "einderiv cannot do this:";
    result = null;
    return;
  }
  result = answer;
  const shape = answer.shape.length ? answer.shape.join(" × ") : "a scalar";
  $("status").textContent = "";
  $("caption").textContent =
    `d(${v.expr.trim()}) / d${answer.wrt}, ${answer.layout} layout; shape: ${shape}`;
  math($("math"), answer.latex);
  $("note").textContent = answer.note || "";
  $("note").hidden = !answer.note;
  showForm();
}

function number(x) {
  if (typeof x !== "number") return `\\text{${x}}`;
  return String(Number(x.toPrecision(6)));
}

const GREEK = new Set(
  ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau " +
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split(" "),
);

function variable(name) {
  // a name as KaTeX reads it: x, λ, \lambda (lambda), \lambda_{1} (lambda_1); x_1_2 upright,
  // its underscores escaped
  const [head, ...rest] = name.split("_");
  if (GREEK.has(head) && rest.length <= 1) {
    return `\\${head}` + (rest.length ? `_{\\mathrm{${rest[0]}}}` : "");
  }
  return [...name].length === 1 ? name : `\\mathrm{${name.replace(/_/g, "\\_")}}`;
}

function matrix(value) {
  if (!Array.isArray(value)) return number(value);
  const rows = Array.isArray(value[0]) ? value : value.map((x) => [x]);
  if (rows.length && Array.isArray(rows[0][0])) return `\\text{${JSON.stringify(value)}}`;
  const body = rows.map((row) => row.map(number).join(" & ")).join(" \\\\ ");
  return `\\begin{bmatrix} ${body} \\end{bmatrix}`;
}

function showCheck(answer) {
  $("checking").hidden = true;
  showError($("check-error"), answer && answer.error);
  $("verdict-box").hidden = !answer || Boolean(answer.error);
  if (!answer || answer.error) return;
  const verdict = $("verdict");
  verdict.textContent = answer.verdict;
  verdict.className = "verdict " + answer.verdict;
  $("question").textContent = answer.question ? `— ${answer.question}` : "";
  $("reason").textContent = [answer.reason, answer.diagnosis, answer.note].filter(Boolean).join("; ");
  $("correct").hidden = answer.ok;
  if (!answer.ok && answer.expected_latex) {
    math($("correct-math"), answer.expected_latex);
    $("correct-text").textContent = answer.expected;
  }
  const example = answer.counterexample;
  $("counter").hidden = !example;
  if (example) {
    const parts = Object.entries(example).map(
      ([name, value]) => `${variable(name)} = ${matrix(value)}`,
    );
    if (answer.claimed_value != null) {
      parts.push(`\\text{claimed: } ${matrix(answer.claimed_value)}`);
    }
    if (answer.true_value != null) parts.push(`\\text{true: } ${matrix(answer.true_value)}`);
    math($("counter-math"), parts.join(",\\quad "));
  }
}

function diffKey(v) {
  return JSON.stringify([v.expr, v.wrt, v.where, v.layout]);
}

function abandon(v) {
  // a change: answers on their way are for the fields before it (latest moves on); the
  // check's request is stopped, and the derivative's too when its fields changed
  ++latest;
  if (checking) checking.abort();
  checking = null;
  if (differentiating && differentiating.key !== diffKey(v)) {
    differentiating.controller.abort();
    differentiating = null;
  }
}

async function run() {
  clearTimeout(timer);
  const v = values();
  abandon(v);
  const ticket = latest;
  const key = diffKey(v);
  showCheck(null);
  if (!v.expr.trim() || !v.wrt.trim()) {
    document.body.classList.remove("busy");
    $("answer").hidden = true;
    showError($("error"), "");
    $("status").textContent = "Type an expression and the variable to differentiate by.";
    shown = null;
    return;
  }
  const fields = { expr: v.expr, wrt: v.wrt, where: v.where, layout: v.layout };
  const controller = new AbortController();
  checking = controller;
  const verdict = v.claim.trim()
    ? post("/api/check", { ...fields, claim: v.claim }, controller.signal)
    : null;
  $("checking").hidden = !verdict; // a verdict on its way
  let answer;
  if (!(shown && shown.key === key) && ready && ready.key === key) {
    shown = ready; // answered while the claim was being edited: this very derivative
  }
  ready = null;
  if (shown && shown.key === key) {
    answer = shown.answer; // only the claim changed: the derivative shown is this one's
    showDiff(answer, v); // (and the page is no longer busy: its fields are the shown ones)
  } else {
    document.body.classList.add("busy");
    $("status").textContent = "working";
    if (!differentiating) {
      const c = new AbortController();
      differentiating = { key, controller: c, answer: post("/api/diff", fields, c.signal) };
    }
    const flight = differentiating;
    answer = await flight.answer;
    if (differentiating === flight) differentiating = null; // answered: never reused
    if (ticket !== latest) {
      // replaced meanwhile (the claim edited?): kept for the next run if its fields are these
      if (!answer.aborted && !answer.error) ready = { key, answer };
      return;
    }
    if (answer.aborted) return;
    shown = answer.error ? null : { key, answer }; // an error is asked again next time
    showDiff(answer, v);
  }
  const judged = verdict ? await verdict : null;
  if (ticket !== latest) return;
  checking = null;
  showCheck(answer.error || (judged && judged.aborted) ? null : judged);
}

function changed() {
  const v = values();
  showCheck(null); // the verdict shown was for the fields before this change
  if (!shown || shown.key !== diffKey(v)) document.body.classList.add("busy");
  abandon(v);
  toURL();
  clearTimeout(timer);
  timer = setTimeout(run, DELAY_MS);
}

async function copy() {
  const text = $("form").textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {
    const range = document.createRange();
    range.selectNodeContents($("form"));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    document.execCommand("copy");
  }
  $("copy").textContent = "copied";
  setTimeout(() => ($("copy").textContent = "copy"), 1200);
}

function example(button) {
  if (button.dataset.layout) {
    // a check of the notes' claim is in the notes' layout, whatever was chosen before
    for (const radio of document.querySelectorAll('input[name="layout"]')) {
      radio.checked = radio.value === button.dataset.layout;
    }
    urlLayout = null;
  }
  $("expr").value = button.dataset.expr;
  $("wrt").value = button.dataset.wrt;
  $("where").value = button.dataset.where || "";
  $("claim").value = button.dataset.claim || "";
  toURL();
  run();
}

function start() {
  fromURL();
  const inputs = $("inputs");
  inputs.addEventListener("input", changed);
  $("claim").addEventListener("input", changed);
  for (const id of [...FIELDS]) {
    $(id).addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        shown = null; // asked for: the derivative is asked again
        toURL();
        run();
      }
    });
  }
  inputs.addEventListener("submit", (event) => event.preventDefault());
  for (const button of document.querySelectorAll("#examples button")) {
    button.addEventListener("click", () => example(button));
  }
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      form = tab.dataset.form;
      showForm();
    });
  }
  $("copy").addEventListener("click", copy);
  window.addEventListener("popstate", () => {
    fromURL();
    run();
  });
  run();
}

document.addEventListener("DOMContentLoaded", start);
