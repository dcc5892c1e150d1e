// Keeps the page where it is when the app, not the reader, switches the tab below the race
// (a preset, a lesson or a link that opens an analysis view). Streamlit scrolls a newly selected
// tab into view, which at classroom screen sizes pushes the preset's claim and the top of the
// map off the screen while the tab itself lands on the bottom edge. A tab the reader clicks or
// picks with the keyboard still scrolls as usual, and scrolling by hand is never held.

const HOLD_MS = 1500;

function install() {
  let picked = 0;  // when the reader last pressed on a tab or used the keyboard on one
  let shown = null;  // the selected tab's label when last seen
  let release = null;
  const byReader = (ev) => {
    if (ev.target && ev.target.closest && ev.target.closest('[role="tab"]')) {
      picked = performance.now();
    }
  };
  const scroller = () => document.querySelector('[data-testid="stMain"]')
    || document.scrollingElement;
  const hold = () => {
    const box = scroller();
    if (!box) return;
    const top = box.scrollTop;
    if (release) release();
    const keep = () => {
      if (Math.abs(box.scrollTop - top) > 1) box.scrollTo({ top, behavior: "instant" });
    };
    const stop = () => release && release();
    box.addEventListener("scroll", keep);
    for (const kind of ["wheel", "touchstart", "keydown", "pointerdown"]) {
      window.addEventListener(kind, stop, { capture: true, once: true });
    }
    const timer = setTimeout(stop, HOLD_MS);
    release = () => {
      box.removeEventListener("scroll", keep);
      for (const kind of ["wheel", "touchstart", "keydown", "pointerdown"]) {
        window.removeEventListener(kind, stop, { capture: true });
      }
      clearTimeout(timer);
      release = null;
    };
  };
  const check = () => {
    const tab = document.querySelector('[data-testid="stTabs"] [role="tab"][aria-selected="true"]');
    const label = tab ? tab.textContent : null;
    if (label === shown) return;
    shown = label;
    if (label !== null && performance.now() - picked > 1000) hold();
  };
  document.addEventListener("pointerdown", byReader, true);
  document.addEventListener("keydown", byReader, true);
  new MutationObserver(check).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-selected"],
  });
  check();
}

export default function () {
  if (window.__optimizerRaceTabKeeper) return;  // one keeper for the page, however often drawn
  window.__optimizerRaceTabKeeper = true;
  install();
}
