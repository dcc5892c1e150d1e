// Builds ../player_frontend/plotly-race.min.js with the settings of plotly.js's own bundles
// (its esbuild-config.js): `npm ci && node build.js` in this folder.
const fs = require('fs');
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

// Plotly's core with the components the player never uses left out (menus, sliders, range
// sliders and selectors, images, selections, error bars, 3-D annotations): Plotly asks its
// registry for them and does without when they are not there. 21 kB less to download.
const UNUSED = ['annotations3d', 'selections', 'images', 'updatemenus', 'sliders', 'rangeslider',
                'rangeselector', 'errorbars'];
const coreFile = require.resolve('plotly.js/src/core.js');
let trimmed = fs.readFileSync(coreFile, 'utf8');
for (const name of UNUSED) {
  const line = new RegExp(`\\n\\s*require\\('\\./components/${name}'\\),`);
  if (!line.test(trimmed)) throw new Error(`plotly.js's core no longer registers ${name}`);
  trimmed = trimmed.replace(line, '');
}
// Beside Plotly's own core, so that its relative imports resolve as they do there.
const corePath = path.join(path.dirname(coreFile), 'core-race-player.js');
fs.writeFileSync(corePath, trimmed);
const trimmedCore = {
  name: 'trimmed-core',
  setup(build) {
    build.onResolve({ filter: /^plotly\.js\/lib\/core$/ }, () => ({ path: corePath }));
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
  plugins: [trimmedCore, noMapStyles, InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
  alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
  define: { global: 'window', 'define.amd': 'false' },
  target: 'es2016',
  logLevel: 'warning',
}).then(() => console.log('wrote plotly-race.min.js (plotly.js ' + version + ')'));
