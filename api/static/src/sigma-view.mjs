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
  // software WebGL: they are loaded hidden, and a node's own relations appear under the pointer.
  const edges = data.edges;
  const hideEdges = edges.length / 3 > EDGES_DRAWN;
  for (let i = 0; i < edges.length; i += 3) {
    graph.addEdge(keys[edges[i]], keys[edges[i + 1]],
                  { relation: data.relations[edges[i + 2]], size: 0.5, color: "#cccccc", hidden: hideEdges });
  }
  const note = document.getElementById("note");
  if (hideEdges && note) {
    note.textContent = `more than ${EDGES_DRAWN.toLocaleString()} relations: each node's relations appear when the pointer is on it`;
  }
  const container = document.getElementById("graph");
  const renderer = new Sigma(graph, container, {
    renderEdgeLabels: false,
    labelRenderedSizeThreshold: 8,
    hideEdgesOnMove: graph.size > 50000,
  });
  // the tooltip is filled with textContent: names from documents are never parsed as HTML
  const tooltip = document.getElementById("tooltip");
  let shown = [];
  renderer.on("enterNode", ({ node, event }) => {
    if (hideEdges) {
      for (const edge of shown) graph.setEdgeAttribute(edge, "hidden", true);
      shown = graph.edges(node);
      for (const edge of shown) graph.setEdgeAttribute(edge, "hidden", false);
    }
    const attributes = graph.getNodeAttributes(node);
    tooltip.textContent = `${attributes.label} (${attributes.entityType}), ${graph.degree(node)} relations`;
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
