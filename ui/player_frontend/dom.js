// The page's elements (index.html), looked up once.

function byId(id) { return document.getElementById(id); }

export var el = {
  player: byId("player"),
  play: byId("play"),
  playLabel: document.querySelector("#play .label"),
  speed: byId("speed"),
  scrub: byId("scrub"),
  readout: byId("readout"),
  legend: byId("legend"),
  views: byId("views"),
  fullPage: byId("full-page"),
  title: byId("title"),
  map: byId("map"),
  mapHint: document.querySelector("#pane-map .hint"),
  surf: byId("surf"),
  loss: byId("loss"),
  arrowKey: byId("arrow-key"),
  mapKey: byId("map-key"),
  panes: { map: byId("pane-map"), surf: byId("pane-surf") },
  tabs: Array.prototype.slice.call(document.querySelectorAll(".tab")),
  stageText: byId("stage-text"),
  readouts: byId("readouts"),
  slidePrev: byId("slide-prev"),
  slideNext: byId("slide-next"),
  slideCount: byId("slide-count"),
  viewToggle: byId("view-toggle"),
  leave: byId("leave"),
  keyHint: byId("key-hint")
};
