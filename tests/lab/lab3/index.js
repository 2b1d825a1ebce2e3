// JupyterLab 3.6 with the extensions a notebook user meets (launcher, file
// browser, notebook, console, completer, tooltip, inspector, status bar,
// themes), for tests/test_lab.py. The list matches "jupyterlab.extensions"
// in package.json, from which the build takes their schemas and styles.

import { JupyterLab } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';

// Chunks and assets load from where the server serves the build.
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';

const styles = import('./build/style.js');

// Left out: the news announcements (they ask the internet).
const without = (ids) => (mod) => mod.default.filter(({ id }) => !ids.some((s) => id.includes(s)));

const extensions = [
  import('@jupyterlab/application-extension'),
  import('@jupyterlab/apputils-extension').then(without([':announcements'])),
  import('@jupyterlab/codemirror-extension'),
  import('@jupyterlab/completer-extension'),
  import('@jupyterlab/console-extension'),
  import('@jupyterlab/docmanager-extension'),
  import('@jupyterlab/filebrowser-extension'),
  import('@jupyterlab/fileeditor-extension'),
  import('@jupyterlab/inspector-extension'),
  import('@jupyterlab/launcher-extension'),
  import('@jupyterlab/mainmenu-extension'),
  import('@jupyterlab/notebook-extension'),
  import('@jupyterlab/rendermime-extension'),
  import('@jupyterlab/shortcuts-extension'),
  import('@jupyterlab/statusbar-extension'),
  import('@jupyterlab/theme-dark-extension'),
  import('@jupyterlab/theme-light-extension'),
  import('@jupyterlab/tooltip-extension'),
  import('@jupyterlab/translation-extension'),
  import('@jupyterlab/ui-components-extension')
];

window.addEventListener('load', async () => {
  await styles;
  const lab = new JupyterLab();
  lab.registerPluginModules(await Promise.all(extensions));
  // the test driver reaches the application (commands, shell) through this
  window.jupyterapp = lab;
  await lab.start();
  await lab.restored;
  document.body.dataset.labRestored = 'true';
});
