// The basins view: one picture per racer (a pixel per start), the map's axes, the listed
// minima, the start, the racer's path in the race and a legend, laid out with HTML and CSS. A
// click on a cell sends that start back to the app (the trigger "click" with {x, y}, the
// cell's centre); the race then runs from there and each panel's path follows.
// The data comes from figures.analysis.basins_view; the styles from ui/basins_view.css.

const SVG = "http://www.w3.org/2000/svg";

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// An empty square icon, 24 units across with its origin at the centre.
function icon(size) {
  const s = document.createElementNS(SVG, "svg");
  s.setAttribute("viewBox", "-12 -12 24 24");
  s.setAttribute("width", size);
  s.setAttribute("height", size);
  return s;
}

function star(style, size) {
  const s = icon(size);
  const pts = [];
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? 4.6 : 11, a = Math.PI * (i / 5 - 0.5);
    pts.push((r * Math.cos(a)).toFixed(2) + "," + (r * Math.sin(a)).toFixed(2));
  }
  const p = document.createElementNS(SVG, "polygon");
  p.setAttribute("points", pts.join(" "));
  p.setAttribute("fill", style.fill);
  p.setAttribute("stroke", style.line);
  p.setAttribute("stroke-width", 2 * style.line_width);
  p.setAttribute("stroke-linejoin", "round");
  s.appendChild(p);
  return s;
}

function ring(style, size) {
  const s = icon(size);
  const c = document.createElementNS(SVG, "circle");
  c.setAttribute("r", 8);
  c.setAttribute("fill", style.fill);
  c.setAttribute("stroke", style.line);
  c.setAttribute("stroke-width", 2 * style.line_width);
  s.appendChild(c);
  return s;
}

function fmt(v) {
  const a = Math.abs(v);
  const t = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toPrecision(3) : String(+v.toPrecision(4));
  return t.replace("-", "\u2212");
}

function place(node, fx, fy) {  // fractions of the plot, from its left and from its top
  node.style.left = (100 * fx) + "%";
  node.style.top = (100 * fy) + "%";
}

function buildPanel(d, panel, index) {
  const [x0, x1, y0, y1] = d.bounds;
  const fig = el("figure", "bv-panel");
  const cap = el("figcaption", "bv-title", panel.title);
  fig.appendChild(cap);
  const frame = el("div", "bv-frame");
  frame.appendChild(el("div", "bv-ylabel", "y"));
  const yt = el("div", "bv-yticks");
  for (const [v, t] of d.ticks.y) {
    const s = el("span", "", t);
    s.style.top = (100 * (y1 - v) / (y1 - y0)) + "%";
    yt.appendChild(s);
  }
  frame.appendChild(yt);
  const plot = el("div", "bv-plot");
  plot.dataset.panel = index;
  const img = el("img", "bv-img");
  img.alt = "Basins of " + panel.title + ": where each start of the grid ends";
  img.draggable = false;
  img.src = panel.png;
  if (d.n > 400) img.classList.add("bv-smooth");  // more starts than pixels: averaged, not picked
  plot.appendChild(img);
  // The racer's path in the race, over the picture: coordinates are fractions of the plot
  // (viewBox 0 0 1 1), the line's width in screen pixels whatever the plot's size.
  const paths = document.createElementNS(SVG, "svg");
  paths.setAttribute("class", "bv-paths");
  paths.setAttribute("viewBox", "0 0 1 1");
  paths.setAttribute("preserveAspectRatio", "none");
  for (const cls of ["bv-path-halo", "bv-path"]) {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("class", cls);
    line.setAttribute("vector-effect", "non-scaling-stroke");
    paths.appendChild(line);
  }
  plot.appendChild(paths);
  plot.appendChild(el("span", "bv-mark bv-end"));  // under the stars: a run that ends at one
  for (const m of d.marks) {
    const mk = el("span", "bv-mark bv-" + m.kind);
    mk.appendChild(star(d.styles[m.kind], m.kind === "global" ? 22 : 16));
    place(mk, (m.x - x0) / (x1 - x0), (y1 - m.y) / (y1 - y0));
    plot.appendChild(mk);
  }
  const st = el("span", "bv-mark bv-start");
  st.appendChild(ring(d.styles.start, 16));
  plot.appendChild(st);
  plot.appendChild(el("span", "bv-cell"));
  frame.appendChild(plot);
  frame.appendChild(el("div"));
  frame.appendChild(el("div"));
  const xt = el("div", "bv-xticks");
  for (const [v, t] of d.ticks.x) {
    const s = el("span", "", t);
    s.style.left = (100 * (v - x0) / (x1 - x0)) + "%";
    xt.appendChild(s);
  }
  frame.appendChild(xt);
  frame.appendChild(el("div"));
  frame.appendChild(el("div"));
  frame.appendChild(el("div", "bv-xlabel", "x"));
  fig.appendChild(frame);
  return fig;
}

function buildLegend(d) {
  const lg = el("div", "bv-legend");
  for (const item of d.legend) {
    const e = el("span", "bv-item");
    const sw = el("span", "bv-swatch");
    sw.style.background = item.color;
    e.appendChild(sw);
    e.appendChild(el("span", "", item.label));
    lg.appendChild(e);
  }
  const kinds = [...new Set(d.marks.map((m) => m.kind))];
  for (const k of kinds) {
    const e = el("span", "bv-item");
    e.appendChild(star(d.styles[k], 18));
    e.appendChild(el("span", "", d.styles[k].label));
    lg.appendChild(e);
  }
  if (d.start) {
    const e = el("span", "bv-item");
    e.appendChild(ring(d.styles.start, 16));
    e.appendChild(el("span", "", "the race's start"));
    lg.appendChild(e);
  }
  if (d.paths && d.paths.length) {
    const e = el("span", "bv-item");
    e.appendChild(el("span", "bv-swatch bv-path-swatch"));
    e.appendChild(el("span", "", "the racer's path in the race, to its last point (●)"));
    lg.appendChild(e);
  }
  return lg;
}

function build(d) {
  const body = el("div", "bv-body");
  const [x0, x1, y0, y1] = d.bounds;
  body.style.setProperty("--ar", String((x1 - x0) / (y1 - y0)));
  body.style.setProperty("--cols", String(Math.min(d.panels.length, 3)));
  body.appendChild(el("div", "bv-caption", d.caption));
  const grid = el("div", "bv-panels");
  d.panels.forEach((p, i) => grid.appendChild(buildPanel(d, p, i)));
  body.appendChild(grid);
  body.appendChild(buildLegend(d));
  body.appendChild(el("div", "bv-tip"));
  return body;
}

// The start's ring and each racer's path: what a click changes, moved without building the
// pictures again.
function moveStart(root, d) {
  const [x0, x1, y0, y1] = d.bounds;
  const fx = (x) => (x - x0) / (x1 - x0), fy = (y) => (y1 - y) / (y1 - y0);
  for (const s of root.querySelectorAll(".bv-start")) {
    if (!d.start) { s.style.display = "none"; continue; }
    s.style.display = "";
    place(s, fx(d.start[0]), fy(d.start[1]));
  }
  for (const plot of root.querySelectorAll(".bv-plot")) {
    const xy = (d.paths || [])[+plot.dataset.panel] || [];
    const pts = [];
    for (let k = 0; k + 1 < xy.length; k += 2) {
      pts.push(fx(xy[k]).toFixed(5) + "," + fy(xy[k + 1]).toFixed(5));
    }
    for (const line of plot.querySelectorAll("polyline")) line.setAttribute("points", pts.join(" "));
    const end = plot.querySelector(".bv-end");
    end.style.display = pts.length ? "" : "none";
    if (pts.length) place(end, fx(xy[xy.length - 2]), fy(xy[xy.length - 1]));
  }
}

// Each picture's pixels, read once it is decoded, and the words for each colour: the hover
// says where the hovered start's run ends, as the legend would.
function readPixels(img) {
  try {
    const c = document.createElement("canvas");
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext("2d", { willReadFrequently: true });
    g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, c.width, c.height).data;
  } catch (e) {
    return null;
  }
}

function outcomeAt(d, plot, c) {
  if (!plot._pixels || !d.outcomes) return null;
  if (!plot._words) {
    plot._words = new Map(d.outcomes.map(([rgb, text]) => [rgb.join(","), text]));
  }
  const k = 4 * ((d.n - 1 - c.j) * d.n + c.i);  // the picture's top row is the highest y
  const px = plot._pixels;
  return plot._words.get(px[k] + "," + px[k + 1] + "," + px[k + 2]) || null;
}

function cellAt(d, plot, ev) {
  const r = plot.getBoundingClientRect();
  const fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
  if (!(fx >= 0 && fx < 1 && fy >= 0 && fy < 1)) return null;
  const [x0, x1, y0, y1] = d.bounds;
  const i = Math.floor(fx * d.n), j = Math.floor((1 - fy) * d.n);
  return { i, j, x: x0 + (i + 0.5) * (x1 - x0) / d.n, y: y0 + (j + 0.5) * (y1 - y0) / d.n, r };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return;
  let root = parentElement.querySelector(".bv");
  if (!root) {
    root = el("div", "bv");
    parentElement.appendChild(root);
  }
  // all but the start and the paths: the pictures
  const sig = JSON.stringify({ ...data, start: null, paths: null });
  if (root.dataset.want !== sig) {
    // The new pictures are decoded before they replace the old ones: the view changes in one
    // frame, never showing empty panels.
    root.dataset.want = sig;
    const body = build(data);
    const pictures = [...body.querySelectorAll("img")].map((i) => i.decode().catch(() => null));
    Promise.all(pictures).then(() => {
      if (root.dataset.want !== sig) return;
      for (const plot of body.querySelectorAll(".bv-plot")) {
        plot._pixels = readPixels(plot.querySelector("img"));
      }
      moveStart(body, data);
      root.replaceChildren(body);
      root.classList.add("bv-painted");
    });
  }
  moveStart(root, data);
  const tipOf = () => root.querySelector(".bv-tip");
  const hide = () => {
    const tip = tipOf();
    if (tip) tip.style.display = "none";
    for (const c of root.querySelectorAll(".bv-cell")) c.style.display = "none";
  };
  const onMove = (ev) => {
    const plot = ev.target.closest ? ev.target.closest(".bv-plot") : null;
    const c = plot && cellAt(data, plot, ev);
    if (!c) { hide(); return; }
    for (const other of root.querySelectorAll(".bv-cell")) other.style.display = "none";
    const mark = plot.querySelector(".bv-cell");
    mark.style.display = "block";
    place(mark, (c.i + 0.5) / data.n, 1 - (c.j + 0.5) / data.n);
    const box = root.getBoundingClientRect();
    const tip = tipOf();
    const panel = data.panels[+plot.dataset.panel];
    const outcome = outcomeAt(data, plot, c);
    tip.textContent = (panel ? panel.title + " from (" : "start (") + fmt(c.x) + ", " + fmt(c.y)
      + ")" + (outcome ? ": " + outcome : "") + ". Click to race from here.";
    tip.style.display = "block";
    const x = ev.clientX - box.left;  // beside the pointer, on the side with room for it
    tip.style.left = (x + 14 + tip.offsetWidth > box.width
      ? Math.max(0, x - 14 - tip.offsetWidth) : x + 14) + "px";
    tip.style.top = (ev.clientY - box.top + 16) + "px";
  };
  const onClick = (ev) => {
    const plot = ev.target.closest ? ev.target.closest(".bv-plot") : null;
    const c = plot && cellAt(data, plot, ev);
    if (c) setTriggerValue("click", { x: c.x, y: c.y });
  };
  root.addEventListener("pointermove", onMove);
  root.addEventListener("pointerleave", hide);
  root.addEventListener("click", onClick);
  return () => {
    root.removeEventListener("pointermove", onMove);
    root.removeEventListener("pointerleave", hide);
    root.removeEventListener("click", onClick);
  };
}
