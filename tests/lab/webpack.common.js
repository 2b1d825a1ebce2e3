// The webpack configuration shared by the JupyterLab builds in lab3/ and
// lab4/. Each directory's webpack.config.js passes its own webpack and
// @jupyterlab/builder (from its own node_modules), so one file serves both
// versions.
//
// Output, in <dir>/build: bundle.js and its chunks (the application),
// style.js (generated: the extensions' CSS), schemas/ (the extensions'
// settings schemas) and themes/ (the light and dark theme CSS), which
// tests/lab/serve.py serves. A test fixture: no minifying, no source maps,
// so that the one build is quick.

'use strict';

const path = require('path');

module.exports = function labConfig({ dir, webpack, Build, svgDataURI }) {
  const data = require(path.join(dir, 'package.json'));
  const output = path.join(dir, 'build');

  // Copies each extension's settings schemas and builds its theme CSS
  // (separate webpack configs), and writes build/style.js.
  const assets = Build.ensureAssets({
    packageNames: data.jupyterlab.extensions,
    output,
    hashFunction: 'sha256'
  });

  const app = {
    context: dir,
    entry: ['./index.js'],
    output: {
      path: output,
      filename: 'bundle.js',
      chunkFilename: '[name].[contenthash].js',
      hashFunction: 'sha256'
    },
    bail: true,
    mode: 'development',
    devtool: false,
    performance: { hints: false },
    optimization: { chunkIds: 'deterministic', moduleIds: 'deterministic' },
    module: {
      rules: [
        // some ES module packages import files without their extension
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.html$/, type: 'asset/resource' },
        { test: /\.md$/, type: 'asset/source' },
        { test: /\.(jpg|png|gif)$/, type: 'asset/resource' },
        { test: /\.(woff2?|ttf|eot)(\?v=\d+\.\d+\.\d+)?$/, type: 'asset' },
        {
          // svg referenced from CSS: a data URI
          test: /\.svg(\?v=\d+\.\d+\.\d+)?$/,
          issuer: /\.css$/,
          type: 'asset/inline',
          generator: { dataUrl: (content) => svgDataURI(content.toString()) }
        },
        {
          // svg imported by the packages' JavaScript: the text itself
          test: /\.svg(\?v=\d+\.\d+\.\d+)?$/,
          issuer: /\.js$/,
          type: 'asset/source'
        }
      ]
    },
    resolve: {
      // Node built-ins some packages name; the browser needs none of them
      fallback: { fs: false, url: false, buffer: false, crypto: false, path: false }
    },
    plugins: [
      new webpack.DefinePlugin({
        'process.env': '{}',
        'process.cwd': '(() => "/")',
        'process.platform': '"browser"'
      })
    ]
  };
  return [app].concat(assets);
};
