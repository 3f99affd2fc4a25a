// The full-graph view: sigma.js (WebGL) over a graphology graph, bundled by esbuild into
// ../sigma-view.js (an IIFE defining window.actorgraphSigmaView), which ships in the Python
// package and is inlined into each page. Rebuild with `make assets`.
import Graph from "graphology";
import Sigma from "sigma";

const EDGES_DRAWN = 50000;

// data: {types: [[name, colour]], relations: [name], nodes: [[id, name, type, x, y, degree]],
//        edges: [source, target, relation, source, target, relation, ...] (numbers into the lists)}
function actorgraphSigmaView(data) {
  const graph = new Graph({ multi: true, type: "directed" });
  const keys = new Array(data.nodes.length);
  data.nodes.forEach(([id, name, type, x, y, degree], number) => {
    keys[number] = id;
    const [typeName, colour] = data.types[type];
    graph.addNode(id, { label: name, entityType: typeName, x, y, color: colour,
                        size: Math.min(12, 1.5 + Math.sqrt(degree || 0)) });
  });
  // Past EDGES_DRAWN relations a drawing of all of them is a grey mass that takes minutes in
  // software WebGL: they are kept in an index, and a node's own relations are drawn while the
  // pointer is on it.
  const edges = data.edges;
  const edgeCount = edges.length / 3;
  const hideEdges = edgeCount > EDGES_DRAWN;
  const addEdge = (i) => graph.addEdge(keys[edges[i]], keys[edges[i + 1]],
    { relation: data.relations[edges[i + 2]], size: 0.5, color: "#cccccc" });
  let edgesOf = null;
  if (hideEdges) {
    // compressed adjacency: the edge positions of node n are offsets[n] .. offsets[n + 1]
    const offsets = new Int32Array(data.nodes.length + 1);
    for (let i = 0; i < edges.length; i += 3) { offsets[edges[i] + 1]++; offsets[edges[i + 1] + 1]++; }
    for (let n = 0; n < data.nodes.length; n++) offsets[n + 1] += offsets[n];
    const filled = offsets.slice(0, -1);
    const positions = new Int32Array(edgeCount * 2);
    for (let i = 0; i < edges.length; i += 3) {
      positions[filled[edges[i]]++] = i;
      positions[filled[edges[i + 1]]++] = i;
    }
    edgesOf = (n) => positions.subarray(offsets[n], offsets[n + 1]);
    const note = document.getElementById("note");
    if (note) {
      note.textContent = `more than ${EDGES_DRAWN.toLocaleString()} relations: a node's relations are drawn while the pointer is on it`;
    }
  } else {
    for (let i = 0; i < edges.length; i += 3) addEdge(i);
  }
  const numberOf = new Map(keys.map((key, n) => [key, n]));
  const container = document.getElementById("graph");
  const renderer = new Sigma(graph, container, {
    renderEdgeLabels: false,
    labelRenderedSizeThreshold: 8,
    hideEdgesOnMove: graph.size > 20000,
  });
  // the tooltip is filled with textContent: names from documents are never parsed as HTML
  const tooltip = document.getElementById("tooltip");
  renderer.on("enterNode", ({ node, event }) => {
    if (hideEdges) {
      graph.clearEdges();
      for (const i of edgesOf(numberOf.get(node))) addEdge(i);
    }
    const attributes = graph.getNodeAttributes(node);
    const degree = hideEdges ? edgesOf(numberOf.get(node)).length : graph.degree(node);
    tooltip.textContent = `${attributes.label} (${attributes.entityType}), ${degree} relations`;
    tooltip.style.left = `${event.x + 12}px`;
    tooltip.style.top = `${event.y + 60}px`;
    tooltip.style.display = "block";
  });
  renderer.on("leaveNode", () => { tooltip.style.display = "none"; });
  renderer.once("afterRender", () => { document.body.setAttribute("data-drawn", "true"); });
  renderer.refresh();
  window.actorgraphRenderer = renderer;
  return renderer;
}

window.actorgraphSigmaView = actorgraphSigmaView;
