// The browser's history for the page, true to what it shows (see ui/history.py).
//
// Each run of the app gives this script the scene's link (`query`), a count of the steps the
// reader has taken (`nav`: a preset, a lesson's slide, another surface) and the last address
// the server loaded for Back or Forward (`loaded`, with a token `load` new for each load).
// A step's link gets a new entry of the browser's history; the tweaks after a step share one
// entry above it, each overwriting the last; so Back first undoes the tweaks, then the step,
// and never leaves the app from a tweak. Streamlit writes each new address with pushState,
// one entry per change: here its writes only overwrite the current entry.
//
// Back and Forward: Streamlit reruns the page with the restored address and the server loads
// the scene it names. Until that scene arrives, runs that were already under way (they still
// show the scene before) write nothing. Should it not arrive, the address is sent to the
// server once more, and then the page's own scene is written into the entry.

const MARK = "optimizerRace";  // the field of an entry's state that says what it holds
const STEP = "step";           // a link opened, a preset, a slide, a surface
const TWEAKS = "tweaks";       // the tweaks after a step
const WAIT_MS = 8000;          // Back or Forward not loaded by then: ask again, then give up

function here() {
  return location.pathname + location.search;
}

function kindOf(state) {
  return state && typeof state === "object" ? state[MARK] : undefined;
}

function withKind(state, kind) {
  const out = Object.assign({}, state && typeof state === "object" ? state : {});
  if (kind) out[MARK] = kind;
  return out;
}

// Streamlit's own parameters of an embedded page (embed=true, embed_options=…): they stay in
// every address the page writes, so that it stays embedded after a change and a reload.
function embedParams() {
  return location.search.slice(1).split("&").filter((p) => /^embed(_options)?=/.test(p));
}

function withEmbed(query) {
  const keep = embedParams().filter((p) => !query.split("&").includes(p));
  const all = [query, ...keep].filter(Boolean).join("&");
  return all ? "?" + all : "";
}

function sameQuery(a, b) {
  const pairs = (q) => JSON.stringify([...new URLSearchParams(q)]
    .filter(([k]) => k !== "embed" && k !== "embed_options").sort());
  return typeof a === "string" && pairs(a) === pairs(b);
}

function install(S) {
  const push = History.prototype.pushState;
  const replace = History.prototype.replaceState;
  S.push = (state, url) => push.call(history, state, "", url);
  S.replace = (state, url) => replace.call(history, state, "", url);
  // Anyone else's write (Streamlit's) overwrites the current entry, which keeps what it is.
  const overwrite = function (state, unused, url) {
    return replace.call(history, withKind(state, kindOf(history.state)), "", url);
  };
  history.pushState = overwrite;
  history.replaceState = overwrite;
  if (!kindOf(history.state)) S.replace(withKind(history.state, STEP), location.href);
  S.committed = here();
  window.addEventListener("popstate", () => {
    if (history.state === null) {
      // The entry the page was opened in, when Streamlit wrote the page's link over it as an
      // entry of its own before this script was in the page: the same scene, passed over.
      history.back();
      return;
    }
    S.committed = here();
    S.awaiting = true;
    S.loadAtPop = S.load;
    const pop = ++S.pops;
    setTimeout(() => {
      if (S.awaiting && S.pops === pop && S.send) S.send("link", { query: location.search });
    }, WAIT_MS);
    setTimeout(() => {
      if (!S.awaiting || S.pops !== pop) return;
      S.awaiting = false;  // the page keeps its scene: the entry names it
      S.nav = undefined;
      if (S.last) render(S, S.last);
    }, 2 * WAIT_MS);
  });
}

function render(S, data) {
  if (!data || typeof data.query !== "string") return;
  S.last = data;
  S.load = data.load;
  if (S.awaiting) {
    if (data.load === S.loadAtPop || !sameQuery(data.loaded, location.search)) {
      return;  // a run from before Back or Forward
    }
    S.awaiting = false;
    S.nav = undefined;  // the restored scene is the entry's: written in place
  }
  const target = location.pathname + withEmbed(data.query);
  const first = S.nav === undefined;
  const step = !first && data.nav !== S.nav;
  S.nav = data.nav;
  if (target === S.committed) {
    if (here() !== target) S.replace(history.state, target);
    return;
  }
  if (first || (!step && kindOf(history.state) === TWEAKS)) {
    S.replace(history.state, target);
  } else {
    S.replace(history.state, S.committed);  // the entry keeps the scene it named
    S.push(withKind(null, step ? STEP : TWEAKS), target);
  }
  S.committed = target;
}

export default function ({ data, setTriggerValue }) {
  const S = window.__optimizerRaceHistory || (window.__optimizerRaceHistory = {
    pops: 0, awaiting: false, load: null, loadAtPop: null, nav: undefined, committed: "",
    last: null, send: null,
  });
  S.send = setTriggerValue;
  if (!S.installed) {
    S.installed = true;
    install(S);
  }
  render(S, data);
}
