// Keeps the page where it is when the app, not the reader, switches the tab below the race
// (a preset, a lesson or a link that opens an analysis view). Streamlit scrolls a newly selected
// tab into view, which at classroom screen sizes pushes the preset's claim and the top of the
// map off the screen while the tab itself lands on the bottom edge. That one call is skipped
// unless the reader has just pressed on a tab or used the keyboard; every other scroll, the
// reader's and the page's, is left alone.

function install() {
  let picked = -Infinity;  // when the reader last pressed on a tab or used the keyboard on one
  const byReader = (ev) => {
    if (ev.target && ev.target.closest && ev.target.closest('[role="tab"]')) {
      picked = performance.now();
    }
  };
  document.addEventListener("pointerdown", byReader, true);
  document.addEventListener("keydown", byReader, true);
  const original = Element.prototype.scrollIntoView;
  Element.prototype.scrollIntoView = function (...args) {
    const tab = this.getAttribute && this.getAttribute("role") === "tab"
      && this.closest && this.closest('[data-testid="stTabs"]');
    if (tab && performance.now() - picked > 1000) return undefined;
    return original.apply(this, args);
  };
}

export default function () {
  if (window.__optimizerRaceTabKeeper) return;  // one keeper for the page, however often drawn
  window.__optimizerRaceTabKeeper = true;
  install();
}
