// The explorer at / : search, an actor's neighbourhood (sigma over graphology), the evidence
// panel, filters, the named questions and the SPARQL and Cypher consoles (CodeMirror 6).
// Bundled by esbuild into ../explorer.js (`make assets`), served as /static/explorer.js.
// Everything from the server is put into the page with textContent or DOM nodes, never as HTML.
import Graph from "graphology";
import Sigma from "sigma";
import { createNodeImageProgram } from "@sigma/node-image";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching } from "@codemirror/language";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { sparql as sparqlMode } from "@codemirror/legacy-modes/mode/sparql";
import { cypher as cypherMode } from "@codemirror/legacy-modes/mode/cypher";

const settings = JSON.parse(document.getElementById("explorer-settings").textContent);
const TYPES = settings.types; // {Type: {colour, shape}}
const $ = (id) => document.getElementById(id);

// -- small DOM helpers ----------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function shapeIcon(type) {
  const style = TYPES[type] || { colour: "#999999", shape: "dot" };
  return el("img", { src: `/static/shapes/${style.shape}.svg?fill=${encodeURIComponent(style.colour)}`, alt: "",
    class: "shape", width: 12, height: 12 });
}

async function getJSON(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (!response.ok) {
    const error = new Error((body && (body.detail || body.title)) || `${response.status} ${response.statusText}`);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

// -- state, kept in the URL's hash so a view can be shared ----------------------------------------

const state = {
  tab: "graph", centre: null, open: [], selected: null,
  hiddenTypes: new Set(), hiddenRelations: new Set(), crisis: false,
  from: null, to: null, undated: true, question: null, params: {},
};

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  state.tab = p.get("tab") || "graph";
  state.centre = p.get("actor");
  state.open = (p.get("open") || "").split("|").filter(Boolean);
  state.selected = p.get("sel") || state.centre;
  state.hiddenTypes = new Set((p.get("notypes") || "").split(",").filter(Boolean));
  state.hiddenRelations = new Set((p.get("norels") || "").split(",").filter(Boolean));
  state.crisis = p.get("crisis") === "1";
  state.from = p.get("from") ? Number(p.get("from")) : null;
  state.to = p.get("to") ? Number(p.get("to")) : null;
  state.undated = p.get("undated") !== "0";
  state.question = p.get("q");
  state.params = {};
  for (const [key, value] of p) if (key.startsWith("p.")) state.params[key.slice(2)] = value;
}

function writeHash() {
  const p = new URLSearchParams();
  if (state.tab !== "graph") p.set("tab", state.tab);
  if (state.centre) p.set("actor", state.centre);
  if (state.open.length) p.set("open", state.open.join("|"));
  if (state.selected && state.selected !== state.centre) p.set("sel", state.selected);
  if (state.hiddenTypes.size) p.set("notypes", [...state.hiddenTypes].join(","));
  if (state.hiddenRelations.size) p.set("norels", [...state.hiddenRelations].join(","));
  if (state.crisis) p.set("crisis", "1");
  if (state.from !== null) p.set("from", String(state.from));
  if (state.to !== null) p.set("to", String(state.to));
  if (!state.undated) p.set("undated", "0");
  if (state.question) {
    p.set("q", state.question);
    for (const [key, value] of Object.entries(state.params)) if (value) p.set(`p.${key}`, value);
  }
  // ids keep their slashes and lists their separators, so a shared address stays readable
  const hash = p.toString().replace(/%2F/gi, "/").replace(/%7C/gi, "|").replace(/%2C/gi, ",");
  window.history.replaceState(null, "", hash ? `#${hash}` : location.pathname);
}

// -- tabs -----------------------------------------------------------------------------------------

function showTab(name) {
  state.tab = name;
  for (const button of document.querySelectorAll("#tabs button")) button.classList.toggle("active", button.dataset.tab === name);
  for (const section of document.querySelectorAll(".tab")) section.classList.toggle("active", section.id === `tab-${name}`);
  if (name === "graph" && renderer) renderer.refresh();
  if (name === "questions" && questionRenderer) questionRenderer.refresh();
  if (name === "sparql" || name === "cypher") ensureConsole(name);
  writeHash();
}

// -- the neighbourhood model: every actor loaded, every relation seen ------------------------------

const details = new Map(); // id -> /actors/{id} answer
const nodes = new Map(); // id -> {id, name, type}
const edges = new Map(); // "source|type|target" -> {source, target, type, context, since, date}
const positions = new Map(); // id -> {x, y}, kept so the drawing does not jump

function yearOf(value) {
  const match = /^(\d{4})/.exec(value || "");
  return match ? Number(match[1]) : null;
}

async function loadActor(id) {
  if (details.has(id)) return details.get(id);
  const detail = await getJSON(`/actors/${encodeURIComponent(id)}`);
  details.set(id, detail);
  nodes.set(detail.id, { id: detail.id, name: detail.name, type: detail.type });
  for (const relation of detail.relations) {
    const other = relation.other;
    if (!nodes.has(other.id)) nodes.set(other.id, { id: other.id, name: other.name, type: other.type });
    const [source, target] = relation.direction === "out" ? [detail.id, other.id] : [other.id, detail.id];
    edges.set(`${source}|${relation.type}|${target}`, {
      source, target, type: relation.type, context: relation.context, since: relation.since, date: relation.date,
    });
  }
  return detail;
}

function edgePasses(edge) {
  if (state.hiddenRelations.has(edge.type)) return false;
  if (state.crisis && edge.context !== "crisis") return false;
  const year = yearOf(edge.since) ?? yearOf(edge.date);
  if (year === null) return state.undated;
  if (state.from !== null && year < state.from) return false;
  if (state.to !== null && year > state.to) return false;
  return true;
}

// new neighbours of the centre go round it; those of an opened node fan out away from the centre
function place(id, around, index, count, radius) {
  if (positions.has(id)) return;
  const at = positions.get(around) || { x: 0, y: 0 };
  let angle;
  if (around === state.centre) {
    angle = (2 * Math.PI * index) / Math.max(count, 1);
  } else {
    const centre = positions.get(state.centre) || { x: 0, y: 0 };
    const outward = Math.atan2(at.y - centre.y, at.x - centre.x);
    const spread = Math.min(1.6 * Math.PI, 0.45 * count);
    angle = outward + (count > 1 ? (index / (count - 1) - 0.5) * spread : 0);
  }
  positions.set(id, { x: at.x + radius * Math.cos(angle), y: at.y + radius * Math.sin(angle) });
}

// a jurisdiction or other attribute that is an entity id, by that entity's name when it is known
function named(value) {
  return value && nodes.has(value) ? nodes.get(value).name : value;
}

// -- drawing --------------------------------------------------------------------------------------

const graph = new Graph({ multi: true, type: "directed" });
let renderer = null;
const shapeProgram = () => createNodeImageProgram({ drawingMode: "color", keepWithinCircle: false, padding: 0.05 });

function newRenderer(target, drawnGraph, onClick, onDoubleClick) {
  const sigma = new Sigma(drawnGraph, target, {
    allowInvalidContainer: true,
    defaultNodeType: "shape",
    nodeProgramClasses: { shape: shapeProgram() },
    renderEdgeLabels: true,
    labelRenderedSizeThreshold: 0,
    defaultEdgeType: "arrow",
    edgeLabelSize: 10,
    stagePadding: 60,
    labelDensity: 2,
    labelGridCellSize: 50,
  });
  sigma.on("clickNode", ({ node }) => onClick(node));
  if (onDoubleClick) {
    sigma.on("doubleClickNode", (event) => { event.preventSigmaDefault(); onDoubleClick(event.node); });
  }
  sigma.on("enterNode", () => { target.style.cursor = "pointer"; });
  sigma.on("leaveNode", () => { target.style.cursor = "default"; });
  return sigma;
}

function nodeAttributes(node, highlighted) {
  const style = TYPES[node.type] || { colour: "#999999", shape: "dot" };
  return {
    label: node.name, entityType: node.type, color: style.colour,
    image: `/static/shapes/${style.shape}.svg`, size: highlighted ? 16 : 10,
    x: 0, y: 0, highlighted: !!highlighted,
  };
}

function draw() {
  graph.clear();
  if (!state.centre || !nodes.has(state.centre)) {
    $("graph-note").hidden = false;
    updateExplorerHook();
    return;
  }
  $("graph-note").hidden = true;
  // lay out: the centre in the middle, each opened node's neighbours around it
  positions.set(state.centre, positions.get(state.centre) || { x: 0, y: 0 });
  for (const [depth, id] of [state.centre, ...state.open].entries()) {
    const detail = details.get(id);
    if (!detail) continue;
    const others = [...new Set(detail.relations.map((r) => r.other.id))];
    others.filter((other) => !positions.has(other))
      .forEach((other, index, fresh) => place(other, id, index, fresh.length, depth === 0 ? 10 : 6));
  }
  const shown = new Set([state.centre]);
  const drawnEdges = [];
  const loaded = new Set([state.centre, ...state.open]);
  for (const edge of edges.values()) {
    if (!loaded.has(edge.source) && !loaded.has(edge.target)) continue;
    if (!edgePasses(edge)) continue;
    const ends = [nodes.get(edge.source), nodes.get(edge.target)];
    if (ends.some((n) => !n || (state.hiddenTypes.has(n.type) && n.id !== state.centre))) continue;
    drawnEdges.push(edge);
    shown.add(edge.source);
    shown.add(edge.target);
  }
  for (const id of shown) {
    const node = nodes.get(id);
    const position = positions.get(id) || { x: Math.random() * 10, y: Math.random() * 10 };
    graph.addNode(id, { ...nodeAttributes(node, id === state.centre || id === state.selected), ...position });
  }
  for (const edge of drawnEdges) {
    graph.addEdge(edge.source, edge.target, {
      label: edge.type, relation: edge.type, size: edge.context === "crisis" ? 3 : 1.5,
      color: edge.context === "crisis" ? "#c0392b" : "#9aa5b1",
    });
  }
  if (!renderer) {
    renderer = newRenderer($("graph"), graph, (id) => selectNode(id, true), (id) => makeCentre(id));
  }
  renderer.refresh();
  drawLegend();
  updateDateRange();
  updateExplorerHook();
}

function updateExplorerHook() {
  const hook = {
    centre: state.centre, selected: state.selected,
    nodes: graph.nodes(), edges: graph.edges().map((e) => graph.getEdgeAttribute(e, "relation")),
    neighbours: state.centre && graph.hasNode(state.centre) ? graph.neighbors(state.centre) : [],
  };
  window.__explorer = {
    ...hook,
    state: JSON.parse(JSON.stringify({ ...state, hiddenTypes: [...state.hiddenTypes], hiddenRelations: [...state.hiddenRelations] })),
    // where a drawn node is on the page, so a test can click it like a user
    viewport: (id) => {
      if (!renderer || !graph.hasNode(id)) return null;
      const at = renderer.graphToViewport(graph.getNodeAttributes(id));
      const box = $("graph").getBoundingClientRect();
      return { x: box.left + at.x, y: box.top + at.y };
    },
  };
  document.body.dataset.drawn = String(graph.order);
}

function drawLegend() {
  const present = new Set(graph.nodes().map((n) => graph.getNodeAttribute(n, "entityType")));
  const legend = $("legend");
  legend.replaceChildren(el("h3", {}, "Legend"));
  for (const type of Object.keys(TYPES)) {
    if (!present.has(type)) continue;
    legend.append(el("div", { class: "legend-item" }, shapeIcon(type), " ", type));
  }
  legend.append(el("div", { class: "legend-item" }, el("span", { class: "crisis-line" }), " crisis context"));
}

// -- filters --------------------------------------------------------------------------------------

function buildFilters() {
  const typeBox = $("type-filters");
  for (const type of Object.keys(TYPES)) {
    const box = el("input", { type: "checkbox", value: type, "data-filter": "type" });
    box.checked = !state.hiddenTypes.has(type);
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenTypes.delete(type); else state.hiddenTypes.add(type);
      draw(); writeHash();
    });
    typeBox.append(el("label", {}, box, shapeIcon(type), ` ${type}`));
  }
  const relationBox = $("relation-filters");
  for (const type of settings.relations) {
    const box = el("input", { type: "checkbox", value: type, "data-filter": "relation" });
    box.checked = !state.hiddenRelations.has(type);
    box.addEventListener("change", () => {
      if (box.checked) state.hiddenRelations.delete(type); else state.hiddenRelations.add(type);
      draw(); writeHash();
    });
    relationBox.append(el("label", {}, box, ` ${type}`));
  }
  const crisis = $("crisis-only");
  crisis.checked = state.crisis;
  crisis.addEventListener("change", () => { state.crisis = crisis.checked; draw(); writeHash(); });
  const undated = $("undated");
  undated.checked = state.undated;
  undated.addEventListener("change", () => { state.undated = undated.checked; draw(); writeHash(); });
  for (const [id, key] of [["date-from", "from"], ["date-to", "to"]]) {
    $(id).addEventListener("input", () => {
      const input = $(id);
      const value = Number(input.value);
      state[key] = (key === "from" ? value <= Number(input.min) : value >= Number(input.max)) ? null : value;
      $(`${id}-out`).textContent = input.value;
      draw(); writeHash();
    });
  }
}

function updateDateRange() {
  const years = [];
  for (const edge of edges.values()) {
    for (const value of [edge.since, edge.date]) { const y = yearOf(value); if (y !== null) years.push(y); }
  }
  const dates = $("dates");
  if (!years.length) { dates.classList.add("empty"); return; }
  dates.classList.remove("empty");
  const low = Math.min(...years), high = Math.max(...years);
  for (const [id, key, fallback] of [["date-from", "from", low], ["date-to", "to", high]]) {
    const input = $(id);
    input.min = String(low); input.max = String(high); input.step = "1";
    input.value = String(state[key] ?? fallback);
    $(`${id}-out`).textContent = input.value;
  }
}

// -- search ---------------------------------------------------------------------------------------

let searchToken = 0;
function buildSearch() {
  const input = $("search");
  const list = $("suggestions");
  let active = -1;
  const choose = (item) => {
    list.replaceChildren();
    input.value = item.name;
    makeCentre(item.id);
  };
  input.addEventListener("input", async () => {
    const text = input.value.trim();
    const token = ++searchToken;
    if (!text) { list.replaceChildren(); return; }
    let page;
    try {
      page = await getJSON(`/actors?${new URLSearchParams({ q: text, limit: "10" })}`);
    } catch (error) {
      list.replaceChildren(el("li", { class: "error" }, error.message));
      return;
    }
    if (token !== searchToken) return; // a later keystroke's answer wins
    active = -1;
    list.replaceChildren(...page.items.map((item) => {
      const where = named(item.jurisdiction || (item.attributes && (item.attributes.jurisdiction || item.attributes.country)));
      return el("li", { role: "option", "data-id": item.id, onmousedown: (event) => { event.preventDefault(); choose(item); } },
        shapeIcon(item.type), " ", el("strong", {}, item.name), " ",
        el("span", { class: "type" }, item.type), where ? el("span", { class: "where" }, ` · ${where}`) : null);
    }));
    if (!page.items.length) list.append(el("li", { class: "none" }, "no actor found"));
    list._items = page.items;
  });
  input.addEventListener("keydown", (event) => {
    const items = list._items || [];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = Math.max(0, Math.min(items.length - 1, active + (event.key === "ArrowDown" ? 1 : -1)));
      [...list.children].forEach((li, i) => li.classList.toggle("active", i === active));
      event.preventDefault();
    } else if (event.key === "Enter" && items.length) {
      choose(items[Math.max(active, 0)]);
    } else if (event.key === "Escape") {
      list.replaceChildren();
    }
  });
  input.addEventListener("blur", () => setTimeout(() => list.replaceChildren(), 150));
}

// -- actions on nodes -----------------------------------------------------------------------------

async function makeCentre(id) {
  try {
    await loadActor(id);
  } catch (error) {
    showPanelError(error);
    return;
  }
  state.centre = id;
  state.open = [];
  state.selected = id;
  positions.clear();
  showTab("graph");
  draw();
  showPanel(id);
  $("centre").disabled = true;
  writeHash();
}

async function selectNode(id, expand) {
  try {
    await loadActor(id);
  } catch (error) {
    showPanelError(error);
    return;
  }
  state.selected = id;
  if (expand && id !== state.centre && !state.open.includes(id)) state.open.push(id);
  draw();
  showPanel(id);
  $("centre").disabled = id === state.centre;
  writeHash();
}

// -- the side panel -------------------------------------------------------------------------------

function showPanelError(error) {
  $("panel").replaceChildren(el("p", { class: "error" }, error.message));
}

// spans [start, end) of a text, relative to its offset, as text with <mark>s
function markSpans(text, offset, spans) {
  const inside = spans.map(([s, e]) => [s - offset, e - offset]).filter(([s, e]) => s >= 0 && e <= text.length && e > s);
  inside.sort((a, b) => a[0] - b[0]);
  const parts = [];
  let at = 0;
  for (const [s, e] of inside) {
    if (s < at) continue;
    parts.push(text.slice(at, s), el("mark", {}, text.slice(s, e)));
    at = e;
  }
  parts.push(text.slice(at));
  return { parts, marked: inside.length };
}

const documentTexts = new Map(); // doc -> promise of its text, for list leads and headings
function documentText(doc) {
  if (!documentTexts.has(doc)) {
    documentTexts.set(doc, getJSON(`/documents/${encodeURIComponent(doc)}`).then((d) => d.document.text).catch(() => ""));
  }
  return documentTexts.get(doc);
}

// the sentence with the two mentions in <mark>: the spans the extractor recorded (a mention in the
// list lead or heading the sentence belongs to is shown with that lead), else the names themselves
function markedSentence(evidence, names) {
  const sentence = evidence.sentence;
  const spans = evidence.mentions || [];
  let { parts, marked } = markSpans(sentence, evidence.start, spans);
  if (!spans.length) {
    const lower = sentence.toLowerCase();
    const found = [];
    for (const name of names) {
      const at = name ? lower.indexOf(name.toLowerCase()) : -1;
      if (at >= 0) found.push([at, at + name.length]);
    }
    ({ parts } = markSpans(sentence, 0, found));
  }
  const quote = el("q", { class: "sentence" }, ...parts);
  if (evidence.lead && spans.length && marked < spans.length) {
    const [leadStart, leadEnd] = evidence.lead;
    const lead = el("span", { class: "lead" });
    documentText(evidence.doc).then((text) => {
      const leadText = text.slice(leadStart, leadEnd);
      if (leadText) lead.replaceChildren(...markSpans(leadText, leadStart, spans).parts, " … ");
    });
    return el("span", {}, lead, quote);
  }
  return quote;
}

function showPanel(id) {
  const detail = details.get(id);
  const panel = $("panel");
  if (!detail) return;
  const attributes = Object.entries(detail.attributes || {});
  const where = named(detail.jurisdiction || (detail.attributes || {}).jurisdiction);
  const heading = el("div", { class: "actor-head" },
    el("h2", {}, shapeIcon(detail.type), " ", detail.name),
    el("p", { class: "type" }, detail.type, where ? ` · ${where}` : "", el("br"), el("code", {}, detail.id)),
    el("div", { class: "actor-buttons" },
      id !== state.centre ? el("button", { onclick: () => makeCentre(id) }, "Make centre") : null,
      el("a", { href: `/viz?actor=${encodeURIComponent(id)}` }, "view"), " ",
      el("a", { href: `/actors/${encodeURIComponent(id)}` }, "JSON")));
  const names = detail.aliases.length ? el("p", { class: "aliases" }, el("strong", {}, "Also: "), detail.aliases.join(" · ")) : null;
  const table = attributes.length ? el("table", { class: "attributes" },
    ...attributes.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, named(v), named(v) !== v ? el("code", {}, ` ${v}`) : null)))) : null;
  const byType = new Map();
  for (const relation of detail.relations) {
    if (!byType.has(relation.type)) byType.set(relation.type, []);
    byType.get(relation.type).push(relation);
  }
  const groups = [...byType.entries()].sort().map(([type, relations]) => el("details", { open: true, class: "relation-group" },
    el("summary", {}, `${type} (${relations.length})`),
    el("ul", {}, ...relations.map((relation) => el("li", { class: "relation" + (edgePasses({ ...relation, source: "", target: "" }) ? "" : " filtered") },
      el("div", { class: "relation-head" },
        relation.direction === "out" ? "→ " : "← ",
        el("a", { href: "#", class: "other", onclick: (event) => { event.preventDefault(); selectNode(relation.other.id, true); } },
          relation.other.name),
        el("span", { class: "type" }, ` ${relation.other.type}`),
        relation.context === "crisis" ? el("span", { class: "badge crisis" }, "crisis") : null,
        relation.since ? el("span", { class: "badge" }, `since ${relation.since}`) : null,
        relation.date ? el("span", { class: "badge" }, relation.date) : null),
      el("ol", { class: "evidence" }, ...relation.evidence.map((evidence) => el("li", {},
        markedSentence(evidence, [detail.name, ...detail.aliases, relation.other.name]),
        el("div", { class: "source" },
          el("a", { href: `/documents/${encodeURIComponent(evidence.doc)}` }, evidence.doc),
          evidence.date ? ` · ${evidence.date}` : "", evidence.since ? ` · since ${evidence.since}` : "",
          evidence.context === "crisis" ? " · crisis" : "")))))))));
  panel.replaceChildren(...[heading, names, table].filter(Boolean),
    el("h3", {}, `Relations (${detail.relations.length})`), ...groups);
}

// -- named questions ------------------------------------------------------------------------------

let questionRenderer = null;
const questionGraph = new Graph({ multi: true, type: "directed" });
let questionsLoaded = null;

async function buildQuestions() {
  const questions = await getJSON("/questions");
  const box = $("question-forms");
  for (const question of questions) {
    const inputs = question.parameters.map((parameter) => {
      const input = el("input", { name: parameter.name, placeholder: parameter.description, required: parameter.required });
      if (state.question === question.name && state.params[parameter.name]) input.value = state.params[parameter.name];
      return el("label", {}, `${parameter.name}${parameter.required ? " *" : ""} `, input);
    });
    const form = el("form", { class: "question", "data-question": question.name },
      el("h3", {}, question.name), el("p", {}, question.description), ...inputs, el("button", { type: "submit" }, "Ask"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const params = {};
      for (const input of form.querySelectorAll("input")) if (input.value.trim()) params[input.name] = input.value.trim();
      ask(question.name, params);
    });
    box.append(form);
  }
  return questions;
}

async function ask(name, params) {
  state.question = name;
  state.params = params;
  writeHash();
  const target = $("question-table");
  target.replaceChildren(el("p", {}, "asking…"));
  let answer;
  try {
    answer = await getJSON(`/questions/${encodeURIComponent(name)}?${new URLSearchParams(params)}`);
  } catch (error) {
    const options = (error.body && (error.body.candidates || error.body.suggestions)) || [];
    target.replaceChildren(el("p", { class: "error" }, error.message),
      options.length ? el("ul", {}, ...options.map((option) => el("li", {},
        typeof option === "string" ? option : `${option.name || option.id} (${[option.type, option.jurisdiction].filter(Boolean).join(", ")}) ${option.id || ""}`))) : null);
    return;
  }
  target.replaceChildren(el("h3", {}, `${name}: ${answer.total} rows`), resultTable(answer.columns, answer.rows));
  drawAnswer(answer);
}

// a question's rows as a graph: each "<x>_id" column with its name column is a node; the nodes of
// one row are linked in column order, labelled by the row's relation or role
function drawAnswer(answer) {
  questionGraph.clear();
  const idColumns = answer.columns.filter((c) => c.endsWith("_id") && answer.columns.includes(c.slice(0, -3)));
  const typeColumn = (c) => answer.columns.find((x) => x === `${c.slice(0, -3)}_type`);
  let count = 0;
  for (const row of answer.rows) {
    const ids = [];
    for (const column of idColumns) {
      const id = row[column];
      if (!id) continue;
      const type = (typeColumn(column) && row[typeColumn(column)]) || (nodes.get(id) || {}).type || id;
      if (!questionGraph.hasNode(id)) {
        const angle = count++ * 2.4;
        questionGraph.addNode(id, { ...nodeAttributes({ name: row[column.slice(0, -3)], type: typeFromPrefix(type) }), x: Math.cos(angle) * count, y: Math.sin(angle) * count });
      }
      ids.push(id);
    }
    for (let i = 0; i + 1 < ids.length; i++) {
      if (ids[i] === ids[i + 1]) continue;
      const label = row.relation || row.role || "";
      questionGraph.addEdge(ids[i], ids[i + 1], { label, size: 1.5, color: "#9aa5b1" });
    }
  }
  if (!questionRenderer) {
    questionRenderer = newRenderer($("question-graph"), questionGraph, (id) => makeCentre(id), null);
  }
  questionRenderer.refresh();
  document.body.dataset.answerNodes = String(questionGraph.order);
}

// an entity's type from a type name or from its id ("io/nato" -> InternationalOrganization)
function typeFromPrefix(value) {
  if (TYPES[value]) return value;
  const prefix = String(value).split("/")[0];
  return Object.keys(TYPES).find((t) => TYPES[t].prefix === prefix) || value;
}

// -- result tables and downloads ------------------------------------------------------------------

function cellText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value !== "object") return String(value);
  if (value.properties) return value.properties.name || value.properties.id || value.id || JSON.stringify(value);
  return JSON.stringify(value);
}

function resultTable(columns, rows, limit = 1000) {
  const table = el("table", { class: "results-table" },
    el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", {}, c)))),
    el("tbody", {}, ...rows.slice(0, limit).map((row) => el("tr", {}, ...columns.map((c) => {
      const text = cellText(row[c]);
      const cell = el("td", {}, text);
      if (c === "doc" && text) {
        cell.replaceChildren(el("a", { href: `/documents/${encodeURIComponent(text)}` }, text));
      } else if (/^[A-Za-z]+\/[^\s]+$/.test(text) && c.endsWith("id")) {
        cell.replaceChildren(el("a", { href: `#actor=${encodeURIComponent(text)}`, onclick: (e) => { e.preventDefault(); makeCentre(text); } }, text));
      }
      return cell;
    })))));
  const wrap = el("div", { class: "table-wrap" }, table);
  if (rows.length > limit) wrap.append(el("p", {}, `${rows.length - limit} more rows in the download`));
  return wrap;
}

function csvOf(columns, rows) {
  const quote = (v) => { const s = cellText(v); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
  return [columns.map(quote).join(","), ...rows.map((r) => columns.map((c) => quote(r[c])).join(","))].join("\r\n") + "\r\n";
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// -- consoles -------------------------------------------------------------------------------------

const consoles = {};
let examples = null;

const editorTheme = EditorView.theme({
  "&": { minHeight: "180px", fontSize: "13px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" },
});

function prefixLines() {
  return Object.entries(settings.prefixes).map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
}

async function ensureConsole(language) {
  if (consoles[language]) return consoles[language];
  const mode = language === "sparql" ? sparqlMode : cypherMode;
  const initial = language === "sparql"
    ? `${prefixLines()}\n\nSELECT ?type (COUNT(?actor) AS ?n) WHERE { ?actor a ?type } GROUP BY ?type ORDER BY DESC(?n)\n`
    : "MATCH (a)-[r]->(b)\nRETURN a.name AS source, label(r) AS relation, b.name AS target\nLIMIT 25\n";
  const run = () => { runConsole(language); return true; };
  // in a shadow root, CodeMirror's styles go into a constructed style sheet rather than a <style>
  // element, which the page's policy (styles from this origin only) would refuse
  const root = $(`${language}-editor`).attachShadow({ mode: "open" });
  const view = new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: initial,
      extensions: [lineNumbers(), history(), highlightActiveLine(), bracketMatching(), editorTheme,
        StreamLanguage.define(mode), syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([{ key: "Mod-Enter", run }, ...defaultKeymap, ...historyKeymap]), EditorView.lineWrapping],
    }),
  });
  const entry = { view, answer: null, columns: [], rows: [] };
  consoles[language] = entry;
  $(`${language}-run`).addEventListener("click", () => runConsole(language));
  $(`${language}-csv`).addEventListener("click", () => download(`${language}-result.csv`, "text/csv", csvOf(entry.columns, entry.rows)));
  $(`${language}-json`).addEventListener("click", () => download(`${language}-result.json`, "application/json", JSON.stringify(entry.answer, null, 1)));
  if (language === "cypher") {
    const params = el("textarea", { id: "cypher-params", rows: 2, "aria-label": "parameters as JSON", spellcheck: "false" });
    params.value = "{}";
    $("cypher-editor").after(el("label", { class: "params" }, "Parameters (JSON) ", params));
  }
  examples = examples || getJSON("/queries");
  const list = $(`${language}-examples`);
  list.replaceChildren(el("span", {}, "Examples: "));
  for (const example of (await examples).filter((e) => e.language === language)) {
    list.append(el("button", { class: "example", "data-example": example.name, onclick: () => loadExample(language, example) }, example.name));
  }
  return entry;
}

function loadExample(language, example) {
  const entry = consoles[language];
  let text = example.text;
  if (language === "sparql" && !/^\s*PREFIX\s/im.test(text)) text = `${prefixLines()}\n\n${text}`;
  entry.view.dispatch({ changes: { from: 0, to: entry.view.state.doc.length, insert: text } });
  if (language === "cypher") $("cypher-params").value = JSON.stringify(example.parameters || {});
}

async function runConsole(language) {
  const entry = await ensureConsole(language);
  const status = $(`${language}-status`);
  const target = $(`${language}-results`);
  const query = entry.view.state.doc.toString();
  status.textContent = "running…";
  target.replaceChildren();
  try {
    if (language === "sparql") {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/sparql-results+json, text/turtle;q=0.5" },
        body: new URLSearchParams({ query }),
      });
      const media = response.headers.get("content-type") || "";
      if (!response.ok) {
        const body = await response.json().catch(() => ({}));
        throw new Error(body.detail || `${response.status}`);
      }
      if (!media.includes("json")) {
        const text = await response.text();
        entry.answer = text; entry.columns = []; entry.rows = [];
        target.replaceChildren(el("pre", {}, text));
      } else {
        const answer = await response.json();
        entry.answer = answer;
        if ("boolean" in answer) {
          entry.columns = ["boolean"]; entry.rows = [{ boolean: answer.boolean }];
        } else {
          entry.columns = answer.head.vars;
          entry.rows = answer.results.bindings.map((b) => Object.fromEntries(entry.columns.map((v) => [v, b[v] ? b[v].value : null])));
        }
        target.replaceChildren(resultTable(entry.columns, entry.rows));
      }
    } else {
      let params = {};
      try { params = JSON.parse($("cypher-params").value || "{}"); } catch (e) { throw new Error(`parameters: ${e.message}`); }
      const answer = await getJSON("/cypher", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ query, params }),
      });
      entry.answer = answer; entry.columns = answer.columns; entry.rows = answer.rows;
      target.replaceChildren(resultTable(answer.columns, answer.rows));
    }
    status.textContent = `${entry.rows.length} rows`;
    $(`${language}-csv`).disabled = !entry.columns.length;
    $(`${language}-json`).disabled = false;
  } catch (error) {
    status.textContent = "";
    target.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

// -- start ----------------------------------------------------------------------------------------

// draw what the address says: on load, and when an address is pasted or a #… link followed
async function applyHash() {
  readHash();
  for (const box of document.querySelectorAll("input[data-filter=type]")) box.checked = !state.hiddenTypes.has(box.value);
  for (const box of document.querySelectorAll("input[data-filter=relation]")) box.checked = !state.hiddenRelations.has(box.value);
  $("crisis-only").checked = state.crisis;
  $("undated").checked = state.undated;
  const selected = state.selected;
  positions.clear();
  if (state.centre) {
    try {
      await loadActor(state.centre);
      for (const id of state.open) await loadActor(id);
      if (selected) await loadActor(selected);
      state.selected = selected;
      draw();
      showPanel(selected || state.centre);
      $("centre").disabled = !selected || selected === state.centre;
    } catch (error) {
      showPanelError(error);
    }
  } else {
    draw();
  }
  showTab(state.tab);
  if (state.question) {
    await questionsLoaded;
    for (const form of document.querySelectorAll("form.question")) {
      if (form.dataset.question !== state.question) continue;
      for (const input of form.querySelectorAll("input")) input.value = state.params[input.name] || "";
    }
    await ask(state.question, state.params);
  }
}

// /?actor=NAME and /?question=NAME&param=value, as /viz takes them: turned into the #… state
// (an actor by id, else by its exact name or alias, else the search shows the candidates)
async function fromQueryString() {
  const query = new URLSearchParams(location.search);
  if (!query.has("actor") && !query.has("question")) return;
  const p = new URLSearchParams(location.hash.slice(1));
  if (query.has("question")) {
    p.set("tab", "questions");
    p.set("q", query.get("question"));
    for (const [key, value] of query) if (key !== "question") p.set(`p.${key}`, value);
  } else {
    const wanted = query.get("actor");
    let id = null;
    const page = await getJSON(`/actors?${new URLSearchParams({ q: wanted, limit: "10" })}`).catch(() => ({ items: [] }));
    const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    const exact = page.items.filter((a) => [a.name, ...a.aliases].some((n) => fold(n) === fold(wanted)));
    if (exact.length === 1) {
      id = exact[0].id;
    } else if (!exact.length && wanted.includes("/")) {
      id = await getJSON(`/actors/${encodeURIComponent(wanted)}`).then((a) => a.id).catch(() => null);
    }
    if (!id) {
      $("search").value = wanted;
      $("search").dispatchEvent(new Event("input"));
      $("panel").replaceChildren(el("p", { class: "error" },
        exact.length ? `“${wanted}” names ${exact.length} actors: pick one in the search box.` : `No actor named “${wanted}”.`));
    }
    if (id) p.set("actor", id);
  }
  window.history.replaceState(null, "", `/#${p.toString().replace(/%2F/gi, "/")}`);
}

async function start() {
  await fromQueryString();
  readHash();
  buildFilters();
  buildSearch();
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab));
  $("centre").addEventListener("click", () => state.selected && makeCentre(state.selected));
  $("reset").addEventListener("click", () => { state.open = []; state.selected = state.centre; draw(); if (state.centre) showPanel(state.centre); writeHash(); });
  questionsLoaded = buildQuestions().catch((error) => $("question-forms").replaceChildren(el("p", { class: "error" }, error.message)));
  await applyHash();
  window.addEventListener("hashchange", applyHash);
  document.body.dataset.ready = "true";
}

start();
