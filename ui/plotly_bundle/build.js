// Builds ../player_frontend/plotly-race.min.js with the settings of plotly.js's own bundles
// (its esbuild-config.js): `npm ci && node build.js` in this folder.
const path = require('path');
const esbuild = require('esbuild');
const { environmentPlugin } = require('esbuild-plugin-environment');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const version = require('plotly.js/package.json').version;

// Plotly's registry pulls in the map traces' stylesheet (80 kB) whatever traces are
// registered; the player draws no map tiles, so it resolves to nothing.
const noMapStyles = {
  name: 'no-map-styles',
  setup(build) {
    build.onResolve({ filter: /maplibre-gl\/dist\/maplibre-gl\.css$/ }, () => ({
      path: 'maplibre-gl.css', namespace: 'empty',
    }));
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
  },
};

esbuild.build({
  entryPoints: [path.join(__dirname, 'entry.js')],
  outfile: path.join(__dirname, '..', 'player_frontend', 'plotly-race.min.js'),
  format: 'iife',
  globalName: 'Plotly',
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  banner: { js: `/**\n* plotly.js v${version}: heatmap, contour, scatter, surface and scatter3d (minified)\n` +
                '* Copyright 2012-2026, Plotly, Inc. All rights reserved.\n' +
                '* Licensed under the MIT license (PLOTLY-LICENSE.txt)\n*/' },
  plugins: [noMapStyles, InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  logLevel: 'warning',
}).then(() => console.log('wrote plotly-race.min.js (plotly.js ' + version + ')'));
