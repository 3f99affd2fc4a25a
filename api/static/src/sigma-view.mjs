// The full-graph view: sigma.js (WebGL) over a graphology graph, bundled by esbuild into
// ../sigma-view.js (an IIFE defining window.actorgraphSigmaView), which ships in the Python
// package and is inlined into each page. Rebuild with `make assets`.
import Graph from "graphology";
import Sigma from "sigma";

// data: {nodes: [[id, name, type, x, y, colour, degree]], edges: [[source, target, type]]}
function actorgraphSigmaView(data) {
  const graph = new Graph({ multi: true, type: "directed" });
  for (const [id, name, type, x, y, colour, degree] of data.nodes) {
    graph.addNode(id, { label: name, entityType: type, x, y, color: colour,
                        size: Math.min(12, 1.5 + Math.sqrt(degree || 0)) });
  }
  for (const [source, target, type] of data.edges) {
    graph.addEdge(source, target, { relation: type, size: 0.5, color: "#cccccc" });
  }
  const container = document.getElementById("graph");
  const renderer = new Sigma(graph, container, {
    renderEdgeLabels: false,
    labelRenderedSizeThreshold: 8,
    hideEdgesOnMove: data.edges.length > 50000,
  });
  // the tooltip is filled with textContent: names from documents are never parsed as HTML
  const tooltip = document.getElementById("tooltip");
  renderer.on("enterNode", ({ node, event }) => {
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
