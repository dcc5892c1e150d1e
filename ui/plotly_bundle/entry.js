// The traces the race player draws, and nothing else: the map (contour, heatmap and scatter
// lines), the loss plot (scatter) and the 3-D view (surface, scatter3d), in one Plotly.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
  require('plotly.js/lib/heatmap'),
  require('plotly.js/lib/contour'),
  require('plotly.js/lib/surface'),
  require('plotly.js/lib/scatter3d'),
]);

module.exports = Plotly;
