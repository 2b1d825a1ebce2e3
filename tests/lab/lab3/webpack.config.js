// JupyterLab 3.6: the shared configuration with this directory's packages.
module.exports = require('../webpack.common.js')({
  dir: __dirname,
  webpack: require('webpack'),
  Build: require('@jupyterlab/builder').Build,
  svgDataURI: require('mini-svg-data-uri')
});
