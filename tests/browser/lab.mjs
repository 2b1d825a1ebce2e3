// Drives JupyterLab (the 3.6 or 4.6 build of tests/lab, served by
// tests/lab/serve.py) in headless Chromium with the gocurrent kernel, for
// tests/test_lab.py.
//
//   node lab.mjs CONFIG_JSON
//
// CONFIG_JSON (an argument, not a file): {
//   "url": "http://127.0.0.1:PORT", "token": "...",
//   "chromium": "/usr/bin/chromium", "profile": "/tmp/fresh-user-data-dir",
//   "shots": "/tmp/dir for screenshots", "prefix": "lab3-" (screenshot names),
//   "notebooks": ["01-goroutines.ipynb", ...],   // in the server's root dir
//   "darkNotebooks": ["06-measuring.ipynb"],     // charts also shot in the dark theme
//   "timing": "\u00bb wall",                      // how the timing line starts
//   "notebookTimeoutMs": 120000
// }
//
// The application is reached through window.jupyterapp (tests/lab/*/index.js
// sets it): its commands (what menus and shortcuts run) and its shell. Keys
// are typed into the page where a user would type them (Tab, Shift-Tab,
// Enter in an input box); the toolbar's interrupt and restart buttons are
// clicked.
//
// Prints one JSON object on stdout: {"checks": {name: {ok, ms, ...}},
// "notebooks": {name: {...}}, "opens": [...], "charts": [...],
// "screenshots": [paths], "console": [...]}. Progress goes to stderr. The
// script decides nothing beyond recording what it saw: pytest decides
// (the "ok" of a check is a summary for the log).

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(process.argv[2] || '{}');
const base = cfg.url.replace(/\/$/, '');
const prefix = cfg.prefix || '';
const TIMING = cfg.timing || '\u00bb wall';
const out = { checks: {}, notebooks: {}, opens: [], charts: [], screenshots: [], console: [], http_errors: [] };
const t00 = Date.now();
const log = (...a) => process.stderr.write(`[${prefix}browser ${((Date.now() - t00) / 1000).toFixed(1)}s] ${a.join(' ')}\n`);
fs.mkdirSync(cfg.shots, { recursive: true });

async function shot(target, name) {
  const file = path.join(cfg.shots, `${prefix}${name}.png`);
  try {
    await target.screenshot({ path: file, timeout: 10000 });
    out.screenshots.push(file);
    return file;
  } catch (e) {
    log(`screenshot ${name} failed: ${e.message.split('\n')[0]}`);
    return null;
  }
}

// Runs one named check; whatever it returns is merged into its record.
async function check(name, fn) {
  const t0 = Date.now();
  const rec = { ok: false };
  out.checks[name] = rec;
  log(`check ${name}`);
  try {
    Object.assign(rec, (await fn(rec)) || {});
  } catch (e) {
    rec.ok = false;
    rec.error = String(e && e.stack ? e.stack : e).slice(0, 3000);
  }
  rec.ms = Date.now() - t0;
  log(`  ${name}: ${rec.ok ? 'ok' : 'FAILED'} in ${rec.ms} ms${rec.error ? ' ' + rec.error.split('\n')[0] : ''}`);
  return rec;
}

// ------------------------------------------------------- in the page

// Installs window.gc: small helpers over the application that read the same
// in JupyterLab 3 and 4 (models' toJSON, sessionContext, the DOM).
function installHelpers(timing) {
  const app = window.jupyterapp;
  const gc = {};
  window.gc = gc;
  gc.panel = () => {
    const w = app.shell.currentWidget;
    return w && w.content && w.sessionContext && w.context ? w : null;
  };
  gc.kernel = () => {
    const p = gc.panel();
    return p && p.sessionContext.session ? p.sessionContext.session.kernel : null;
  };
  gc.kernelStatus = () => {
    const k = gc.kernel();
    return k ? k.status : null;
  };
  // the status bar's kernel item: "Go (gocurrent) | Idle"
  gc.statusBar = () => {
    const el = document.querySelector('#jp-main-statusbar [title^="Change kernel for"]');
    return el ? el.innerText.trim() : null;
  };
  gc.source = (cell) => {
    const s = cell.model.toJSON().source;
    return Array.isArray(s) ? s.join('') : s || '';
  };
  gc.setSource = (cell, text) => {
    if (cell.model.sharedModel && cell.model.sharedModel.setSource) cell.model.sharedModel.setSource(text);
    else cell.model.value.text = text;
  };
  gc.cellNode = (i) => gc.panel().content.widgets[i].node;
  const strip = (s) => String(s).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const join = (t) => (Array.isArray(t) ? t.join('') : t || '');
  // Marks the chart elements (any <img> or <svg> an output shows, not an
  // svg inside another) of cell i with data-gc-chart and describes them.
  gc.charts = (i, tag) => {
    const node = gc.cellNode(i);
    const found = [];
    node.querySelectorAll('.jp-OutputArea-output').forEach((o, k) => {
      o.querySelectorAll('img, svg').forEach((e) => {
        if (e.tagName.toLowerCase() === 'svg' && e.parentElement.closest('svg')) return;
        const r = e.getBoundingClientRect();
        const name = `${tag}-c${i}-${found.length}`;
        e.setAttribute('data-gc-chart', name);
        const isImg = e.tagName.toLowerCase() === 'img';
        const area = o.getBoundingClientRect();
        found.push({
          name,
          tag: e.tagName.toLowerCase(),
          output: k,
          mime: o.getAttribute('data-mime-type'),
          width: r.width,
          height: r.height,
          loaded: isImg ? e.complete && e.naturalWidth > 0 : true,
          natural: isImg ? [e.naturalWidth, e.naturalHeight] : null,
          src_head: isImg ? (e.getAttribute('src') || '').slice(0, 40) : null,
          // wider than its output's box: cut off, with a scroll bar
          clipped: r.right > area.right + 1,
          area_width: area.width,
        });
      });
    });
    return found;
  };
  gc.timing = (i) => {
    const node = gc.cellNode(i);
    const area = node.querySelector('.jp-OutputArea');
    if (!area) return null;
    const w = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      const k = n.nodeValue.indexOf(timing);
      if (k >= 0) {
        const r = n.parentElement.getBoundingClientRect();
        return { text: n.nodeValue.slice(k).split('\n')[0], visible: r.width > 0 && r.height > 0 };
      }
    }
    return null;
  };
  // One code cell as the model has it, plus what the page shows of it.
  gc.cell = (i, tag) => {
    const cell = gc.panel().content.widgets[i];
    const j = cell.model.toJSON();
    if (j.cell_type !== 'code') return { index: i, type: j.cell_type };
    const outputs = cell.model.outputs.toJSON();
    const node = cell.node;
    return {
      index: i,
      type: 'code',
      source_head: gc.source(cell).split('\n')[0].slice(0, 80),
      empty: gc.source(cell).trim() === '',
      execution_count: cell.model.executionCount == null ? null : cell.model.executionCount,
      trusted: !!cell.model.trusted,
      tags: (j.metadata && j.metadata.tags) || [],
      outputs: outputs.map((o) => ({
        type: o.output_type,
        name: o.name || null,
        mimes: o.data ? Object.keys(o.data) : [],
        ename: o.ename || null,
        evalue: o.evalue ? strip(o.evalue).slice(0, 300) : null,
      })),
      errors: outputs
        .filter((o) => o.output_type === 'error')
        .map((o) => strip(`${o.ename}: ${o.evalue}\n${(o.traceback || []).join('\n')}`).slice(0, 1500)),
      stream: outputs
        .filter((o) => o.output_type === 'stream')
        .map((o) => join(o.text))
        .join('')
        .slice(0, 3000),
      // the outputs the page renders as errors (JupyterLab shows error
      // outputs and stderr with the same mime type and style)
      shown_stderr: [...node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map((e) => ({
        text: e.innerText.slice(0, 1500),
        background: getComputedStyle(e).backgroundColor,
      })),
      timing: gc.timing(i),
      charts: gc.charts(i, tag),
      text: (node.querySelector('.jp-OutputArea') || { innerText: '' }).innerText.slice(0, 800),
    };
  };
  gc.cells = (tag) => gc.panel().content.widgets.map((_, i) => gc.cell(i, tag));
  gc.imagesLoaded = () =>
    [...gc.panel().node.querySelectorAll('.jp-OutputArea-output img')].every((e) => e.complete);
  // Appends a code cell with this text at the end, makes it active; its index.
  gc.appendCell = (text) => {
    const nb = gc.panel().content;
    nb.activeCellIndex = nb.widgets.length - 1;
    const last = nb.activeCell;
    if (!(last.model.type === 'code' && gc.source(last) === '' && last.model.executionCount == null)) {
      app.commands.execute('notebook:insert-cell-below');
    }
    const i = nb.widgets.length - 1;
    nb.activeCellIndex = i;
    if (nb.activeCell.model.type !== 'code') app.commands.execute('notebook:change-cell-to-code');
    gc.setSource(nb.widgets[i], text);
    return i;
  };
  // Execute requests the page sends to the current kernel, in order, and
  // for each whether its reply and its idle status (the kernel's last
  // message for it, after all its outputs) arrived. A cell is done when
  // both did; waiting for that, not for a pause, is what makes its outputs
  // complete in the page (the reply comes on another channel than the
  // outputs and can overtake them).
  gc.requests = [];
  gc.track = () => {
    const k = gc.kernel();
    if (k.gcTracked) return gc.requests.length;
    k.gcTracked = true;
    k.anyMessage.connect((_, { msg, direction }) => {
      const type = msg.header.msg_type;
      if (direction === 'send' && type === 'execute_request') {
        gc.requests.push({ id: msg.header.msg_id, reply: null, idle: false });
        return;
      }
      const parent = msg.parent_header && msg.parent_header.msg_id;
      const req = parent && gc.requests.find((r) => r.id === parent);
      if (direction !== 'recv' || !req) return;
      if (type === 'execute_reply') req.reply = msg.content.status;
      if (type === 'status' && msg.content.execution_state === 'idle') req.idle = true;
    });
    return gc.requests.length;
  };
  gc.done = (r) => r.reply !== null && r.idle;
  // the first request sent after mark (gc.track()'s count) is done
  gc.nextDone = (mark) => gc.requests.length > mark && gc.done(gc.requests[mark]);
  // A Run All (from mark) is over when every non-empty code cell was sent
  // and every request is done, aborted ones too. (JupyterLab's run-all
  // command itself resolves at the first error reply, even of a cell
  // tagged raises-exception, while the kernel still runs the cells after.)
  gc.nonEmptyCodeCells = () =>
    gc.panel().content.widgets.filter((c) => c.model.type === 'code' && gc.source(c).trim() !== '').length;
  gc.runAllOver = (mark) => {
    const sent = gc.requests.slice(mark);
    return sent.length >= gc.nonEmptyCodeCells() && sent.every(gc.done);
  };
  gc.replies = (mark) => {
    const n = {};
    for (const r of gc.requests.slice(mark)) n[r.reply] = (n[r.reply] || 0) + 1;
    return n;
  };
  gc.inspectorText = () =>
    (document.querySelector('.jp-Inspector-content') || document.querySelector('.jp-Inspector') || {}).innerText || '';
  gc.lastCellText = () => {
    const nb = gc.panel().content;
    return gc.source(nb.widgets[nb.widgets.length - 1]);
  };
}

// ------------------------------------------------------- helpers (node side)

async function helpers(page) {
  await page.evaluate(installHelpers, TIMING);
}

async function waitRestored(page) {
  await page.waitForFunction(() => document.body.dataset.labRestored === 'true', null, { timeout: 90000, polling: 100 });
  await helpers(page);
}

// Waits for the current panel's session, then watches the kernel status
// for up to 10 s: it should leave "unknown" (and "starting") for "idle".
// The record of every open goes to out.opens.
async function afterOpen(page, what) {
  const t0 = Date.now();
  await page.waitForFunction(() => window.gc.panel() && window.gc.panel().context.isReady, null, { timeout: 60000, polling: 100 });
  await page.evaluate(() => window.gc.panel().sessionContext.ready);
  const readyMs = Date.now() - t0;
  const first = await page.evaluate(() => ({ status: window.gc.kernelStatus(), bar: window.gc.statusBar() }));
  // the status bar's text when the kernel was first seen idle there
  let idleBar = null;
  try {
    const h = await page.waitForFunction(
      () => window.gc.kernelStatus() === 'idle' && /\| Idle$/.test(window.gc.statusBar() || '') && window.gc.statusBar(),
      null,
      { timeout: 10000, polling: 50 },
    );
    idleBar = await h.jsonValue();
  } catch (e) {
    /* stayed unknown (or busy) */
  }
  const idle = idleBar !== null;
  const last = await page.evaluate(() => ({ status: window.gc.kernelStatus(), bar: window.gc.statusBar(), name: window.gc.kernel() && window.gc.kernel().name }));
  const rec = { what, ready_ms: readyMs, first_status: first.status, first_bar: first.bar, idle, idle_bar: idleBar, status: last.status, bar: last.bar, kernel_name: last.name, idle_ms: Date.now() - t0 };
  out.opens.push(rec);
  if (!idle) log(`  ${what}: the kernel status stayed ${JSON.stringify(last.bar)} (${last.status}) for 10 s after opening`);
  return rec;
}

// Runs a JupyterLab command (what a menu item or shortcut runs) and waits
// for it; what it returns (a widget) stays in the page.
async function command(page, id, args = {}) {
  await page.evaluate(async ([id, args]) => {
    await window.jupyterapp.commands.execute(id, args);
  }, [id, args]);
}

async function openNotebook(page, name) {
  await command(page, 'docmanager:open', { path: name });
  await page.waitForFunction((name) => window.gc.panel() && window.gc.panel().context.path === name, name, { timeout: 30000, polling: 100 });
  return afterOpen(page, name);
}

// Shuts the current notebook's kernel down and closes it without saving.
async function closeNotebook(page) {
  await page.evaluate(async () => {
    const p = window.gc.panel();
    if (!p) return;
    await p.sessionContext.shutdown().catch(() => {});
    p.context.model.dirty = false;
    p.close();
  });
  await page.waitForFunction(() => !window.gc.panel(), null, { timeout: 10000 }).catch(() => {});
}

// Puts the text in a new cell at the end, runs it with Shift-Enter (the
// editor focused, as a user would) and waits for its reply; its record.
async function runTyped(page, text, tag, timeout = 30000) {
  const i = await page.evaluate((text) => window.gc.appendCell(text), text);
  await focusEditor(page, i);
  const mark = await page.evaluate(() => window.gc.track());
  await page.keyboard.press('Shift+Enter');
  await waitDone(page, mark, timeout);
  return page.evaluate(([i, tag]) => window.gc.cell(i, tag), [i, tag]);
}

// Waits until the first execute request sent after mark is done.
async function waitDone(page, mark, timeout) {
  await page.waitForFunction((mark) => window.gc.nextDone(mark), mark, { timeout, polling: 50 });
}

async function focusEditor(page, i) {
  await page.evaluate((i) => {
    const nb = window.gc.panel().content;
    nb.activeCellIndex = i;
    nb.mode = 'edit';
    nb.activeCell.editor.focus();
  }, i);
  await page.waitForFunction(() => window.gc.panel().content.mode === 'edit', null, { timeout: 5000 });
}

// Screenshots every chart element of the list (marked by gc.charts) and
// records them in out.charts, for pytest to check their pixels.
async function shootCharts(page, notebook, phase, theme, charts) {
  for (const ch of charts) {
    const loc = page.locator(`[data-gc-chart="${ch.name}"]`);
    await loc.scrollIntoViewIfNeeded({ timeout: 5000 }).catch(() => {});
    const file = await shot(loc, `${ch.name}`);
    out.charts.push({ notebook, phase, theme, ...ch, file });
  }
}

// The current notebook's toolbar button that runs one of these commands
// (JupyterLab 4 names, then 3's), as a locator.
async function toolbarButton(page, commands) {
  const found = await page.evaluate((commands) => {
    const bar = window.gc.panel().toolbar.node;
    for (const c of commands) {
      const b = bar.querySelector(`[data-command="${c}"]`);
      if (b) {
        b.setAttribute('data-gc-button', c);
        return c;
      }
    }
    return null;
  }, commands);
  if (!found) throw new Error(`no toolbar button for ${commands.join(' or ')}`);
  return page.locator(`[data-gc-button="${found}"]`);
}

async function setTheme(page, theme) {
  await command(page, 'apputils:change-theme', { theme });
  await page.waitForFunction((theme) => document.body.dataset.jpThemeName === theme, theme, { timeout: 15000 });
  // the theme applies once its stylesheet loaded: the notebook's background
  await page.waitForFunction(
    (light) => {
      const nb = document.querySelector('.jp-Notebook') || document.body;
      const m = getComputedStyle(nb).backgroundColor.match(/rgba?\((\d+), (\d+), (\d+)(, ([\d.]+))?\)/);
      if (!m || m[5] === '0') return false;
      const lum = (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255;
      return light ? lum > 0.8 : lum < 0.3;
    },
    theme.includes('Light'),
    { timeout: 15000, polling: 100 },
  );
  await page.waitForTimeout(300);
}

// ------------------------------------------------------- the session

const context = await chromium.launchPersistentContext(cfg.profile, {
  executablePath: cfg.chromium,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

function watch(page) {
  page.on('pageerror', (e) => out.console.push({ type: 'pageerror', text: String(e).slice(0, 500) }));
  page.on('console', (m) => {
    if (m.type() === 'error') out.console.push({ type: 'console.error', text: m.text().slice(0, 500) });
  });
  page.on('response', (r) => {
    if (r.status() >= 400) out.http_errors.push({ status: r.status(), url: r.url().replace(/\?.*$/, '') });
  });
  page.on('dialog', (d) => d.dismiss().catch(() => {}));
}
context.on('page', watch);

try {
  let page = context.pages()[0];
  if (page) watch(page);
  else page = await context.newPage();
  await page.goto(`${base}/lab?token=${cfg.token}`, { waitUntil: 'domcontentloaded' });
  await waitRestored(page);

  // --- the launcher: "Go (gocurrent)" with its logo
  await check('launcher', async () => {
    const card = page.locator('.jp-LauncherCard[data-category="Notebook"][title="Go (gocurrent)"]');
    await card.waitFor({ state: 'visible', timeout: 30000 });
    await page.waitForFunction(
      () => [...document.querySelectorAll('.jp-LauncherCard img')].every((i) => i.complete),
      null,
      { timeout: 10000 },
    );
    const info = await card.evaluate((el) => {
      const img = el.querySelector('img');
      const r = img ? img.getBoundingClientRect() : null;
      return {
        label: (el.querySelector('.jp-LauncherCard-label') || el).innerText.trim(),
        logo_src: img ? img.getAttribute('src') : null,
        logo_loaded: !!(img && img.complete),
        logo_natural: img ? [img.naturalWidth, img.naturalHeight] : null,
        logo_box: r ? [r.width, r.height] : null,
      };
    });
    const cards = await page.$$eval('.jp-LauncherCard', (cs) => cs.map((c) => `${c.getAttribute('data-category')}: ${c.getAttribute('title')}`));
    const file = await shot(card, 'launcher-card');
    await shot(page, 'launcher');
    return {
      ok: info.label === 'Go (gocurrent)' && info.logo_loaded && info.logo_natural[0] > 0,
      ...info,
      cards,
      card_shot: file,
    };
  });

  // --- a notebook from the launcher card; the cell checks run in it
  await check('new_notebook', async () => {
    await page.click('.jp-LauncherCard[data-category="Notebook"][title="Go (gocurrent)"]');
    await page.waitForFunction(() => window.gc.panel(), null, { timeout: 30000, polling: 100 });
    const open = await afterOpen(page, 'new notebook');
    // the notebook's language_info comes from the kernel's kernel_info_reply
    await page.waitForFunction(() => {
      const meta = window.gc.panel().content.model.toJSON().metadata;
      return meta.language_info && meta.language_info.name;
    }, null, { timeout: 10000 }).catch(() => {});
    const info = await page.evaluate(async () => {
      const p = window.gc.panel();
      const meta = p.content.model.toJSON().metadata;
      const name = p.toolbar.node.querySelector('.jp-Toolbar-kernelName');
      // What the kernel answers a kernel_info_request now (the notebook's
      // metadata keeps the answer to the one sent as it opened).
      let kernelInfo = null;
      try {
        const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
        const reply = kernel ? await kernel.requestKernelInfo() : null;
        kernelInfo = reply ? reply.content.language_info : null;
      } catch (e) {
        kernelInfo = { error: String(e) };
      }
      return {
        path: p.context.path,
        kernelspec: meta.kernelspec || null,
        language_info: meta.language_info || null,
        kernel_language_info: kernelInfo,
        toolbar_kernel: name ? name.innerText.trim() : null,
      };
    });
    await shot(page, 'new-notebook');
    return { ok: open.idle && open.kernel_name === 'gocurrent', open, ...info };
  });

  await check('run_cell', async () => {
    const c = await runTyped(page, 'greeting := "hello from jupyterlab"\nfmt.Println(greeting)', 'run');
    await shot(page.locator('.jp-Notebook .jp-Cell').nth(c.index), 'run-cell');
    return { ok: c.stream.includes('hello from jupyterlab') && !!(c.timing && c.timing.visible), cell: c };
  });

  await check('display_types', async () => {
    const c = await runTyped(
      page,
      'display.HTML("<b id=\\"gc-html\\">bold from Go</b>")\ndisplay.Markdown("## heading from Go")\ndisplay.JSON(map[string]int{"answer": 42})',
      'display',
    );
    // JupyterLab renders Markdown and HTML outputs asynchronously: wait for
    // both to be drawn (or give up after a few seconds) before reading them.
    await page.waitForFunction((i) => {
      const node = window.gc.cellNode(i);
      return !!node.querySelector('.jp-RenderedHTMLCommon b#gc-html')
        && [...node.querySelectorAll('h2')].some((h) => /heading from Go/.test(h.innerText));
    }, c.index, { timeout: 10000, polling: 100 }).catch(() => {});
    const shown = await page.evaluate((i) => {
      const node = window.gc.cellNode(i);
      return {
        html: !!node.querySelector('.jp-RenderedHTMLCommon b#gc-html'),
        markdown: [...node.querySelectorAll('h2')].map((h) => h.innerText.replace(/¶$/, '').trim()),
        mimes: [...node.querySelectorAll('.jp-OutputArea-output')].map((o) => o.getAttribute('data-mime-type')),
      };
    }, c.index);
    return { ok: shown.html && shown.markdown.includes('heading from Go'), cell: c, shown };
  });

  // --- Tab completion: `fmt.Pri` then Tab lists Print, Printf, Println
  await check('tab_completion', async () => {
    const i = await page.evaluate(() => window.gc.appendCell(''));
    await focusEditor(page, i);
    await page.keyboard.type('fmt.Pri');
    await page.keyboard.press('Tab');
    let items = [];
    let visible = false;
    try {
      await page.waitForSelector('.jp-Completer .jp-Completer-item', { state: 'visible', timeout: 10000 });
      visible = true;
      items = await page.$$eval('.jp-Completer .jp-Completer-item', (es) =>
        es.map((e) => (e.querySelector('.jp-Completer-match') || e).innerText.trim()));
      await shot(page, 'tab-completion');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.jp-Completer', { state: 'hidden', timeout: 5000 }).catch(() => {});
    } catch (e) {
      /* a single match is inserted without a list */
    }
    const text = await page.evaluate(() => window.gc.lastCellText());
    await page.keyboard.press('Escape');
    await page.evaluate((i) => window.gc.setSource(window.gc.panel().content.widgets[i], ''), i);
    return { ok: visible && ['Print', 'Printf', 'Println'].every((x) => items.includes(x)) && /^fmt\.Print\w*$/.test(text), list_visible: visible, items, text_after_pick: text };
  });

  // --- Shift-Tab: the tooltip with the documentation of fmt.Println
  await check('shift_tab_tooltip', async () => {
    const i = await page.evaluate(() => window.gc.appendCell(''));
    await focusEditor(page, i);
    await page.keyboard.type('fmt.Println');
    await page.keyboard.press('Shift+Tab');
    let text = '';
    let visible = false;
    try {
      await page.waitForSelector('.jp-Tooltip', { state: 'visible', timeout: 10000 });
      await page.waitForFunction(() => (document.querySelector('.jp-Tooltip') || {}).innerText, null, { timeout: 5000 });
      visible = true;
      text = await page.$eval('.jp-Tooltip', (e) => e.innerText);
      await shot(page, 'shift-tab-tooltip');
    } catch (e) {
      /* no tooltip */
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('.jp-Tooltip', { state: 'detached', timeout: 5000 }).catch(() => {});
    return { ok: visible && /Println/.test(text), visible, text: text.slice(0, 1500), i };
  });

  // --- the inspector (Help > Show Contextual Help) follows what is typed
  await check('inspector', async () => {
    const pid = await page.evaluate(() => window.gc.panel().id);
    const i = await page.evaluate(() => window.gc.appendCell(''));
    await command(page, 'inspector:open');
    await page.waitForSelector('.jp-Inspector', { state: 'visible', timeout: 10000 });
    // back to the notebook (the inspector opened beside it)
    await page.evaluate((pid) => window.jupyterapp.shell.activateById(pid), pid);
    await page.waitForFunction(() => window.gc.panel(), null, { timeout: 5000 });
    await focusEditor(page, i);
    // each change asks the kernel (inspect_request, detail level 0)
    await page.keyboard.type('fmt.Println');
    await page.waitForFunction(() => /func Println\(/.test(window.gc.inspectorText()), null, { timeout: 10000 }).catch(() => {});
    const text = await page.evaluate(() => window.gc.inspectorText());
    await shot(page, 'inspector');
    await page.evaluate(() => {
      // shell.widgets is an ES iterator in JupyterLab 4, a Lumino one in 3
      const it = window.jupyterapp.shell.widgets('main');
      const all = [];
      if (it[Symbol.iterator]) all.push(...it);
      else for (let w = it.next(); w !== undefined; w = it.next()) all.push(w);
      for (const w of all) {
        if (w.node.classList.contains('jp-Inspector') || w.node.querySelector('.jp-Inspector')) w.close();
      }
    });
    await page.evaluate((pid) => window.jupyterapp.shell.activateById(pid), pid);
    await page.evaluate((i) => window.gc.setSource(window.gc.panel().content.widgets[i], ''), i);
    return { ok: /func Println\(/.test(text), text: text.slice(0, 1500) };
  });

  // --- input(): fmt.Scanln asks in an input box under the cell
  await check('stdin', async () => {
    const i = await page.evaluate(() => window.gc.appendCell('var who string\nfmt.Print("name? ")\nfmt.Scanln(&who)\nfmt.Println("hello,", who)'));
    await focusEditor(page, i);
    const mark = await page.evaluate(() => window.gc.track());
    await page.keyboard.press('Shift+Enter');
    const box = page.locator('.jp-Stdin-input');
    await box.waitFor({ state: 'visible', timeout: 15000 });
    const prompt = await page.evaluate(() => (document.querySelector('.jp-Stdin') || {}).innerText || '');
    await box.click();
    await page.keyboard.type('gopher');
    await shot(page.locator('.jp-Notebook .jp-Cell').nth(i), 'stdin');
    await page.keyboard.press('Enter');
    await waitDone(page, mark, 15000);
    const c = await page.evaluate((i) => window.gc.cell(i, 'stdin'), i);
    return { ok: c.stream.includes('hello, gopher'), prompt: prompt.slice(0, 300), cell: c };
  });

  // --- errors: a compile error and a panic show as errors
  await check('errors', async () => {
    const compile = await runTyped(page, 'n := undefinedName + 1', 'err-compile');
    await shot(page.locator('.jp-Notebook .jp-Cell').nth(compile.index), 'error-compile');
    const panic = await runTyped(page, 'var m map[string]int\nm["a"] = 1', 'err-panic');
    await shot(page.locator('.jp-Notebook .jp-Cell').nth(panic.index), 'error-panic');
    return { ok: compile.errors.length > 0 && panic.errors.length > 0, compile, panic };
  });

  // --- interrupt from the toolbar; the session goes on
  await check('interrupt', async () => {
    const i = await page.evaluate(() => window.gc.appendCell('spins := 0\nfor {\n\tspins++\n}'));
    await focusEditor(page, i);
    const mark = await page.evaluate(() => window.gc.track());
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction(() => window.gc.kernelStatus() === 'busy', null, { timeout: 15000, polling: 50 });
    await page.waitForTimeout(1000);
    const button = await toolbarButton(page, ['notebook:interrupt-kernel', 'kernelmenu:interrupt']);
    const t0 = Date.now();
    await button.click();
    let stoppedMs = null;
    try {
      await waitDone(page, mark, 15000);
      stoppedMs = Date.now() - t0;
    } catch (e) {
      /* not stopped */
    }
    const loop = await page.evaluate((i) => window.gc.cell(i, 'interrupt'), i);
    await shot(page.locator('.jp-Notebook .jp-Cell').nth(i), 'interrupt');
    let after = null;
    if (stoppedMs !== null) after = await runTyped(page, 'fmt.Println("after interrupt:", greeting)', 'after-interrupt');
    return { ok: stoppedMs !== null && !!after && after.stream.includes('after interrupt: hello from jupyterlab'), stopped_ms: stoppedMs, loop, after };
  });

  // --- restart from the toolbar (and the dialog's Restart button)
  await check('restart', async () => {
    const before = await page.evaluate(() => window.gc.kernel().id);
    const button = await toolbarButton(page, ['notebook:restart-kernel', 'kernelmenu:restart']);
    await button.click();
    const accept = page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept');
    await accept.waitFor({ state: 'visible', timeout: 10000 });
    const dialog = await page.$eval('.jp-Dialog', (e) => e.innerText.slice(0, 300));
    await accept.click();
    await page.waitForSelector('.jp-Dialog', { state: 'detached', timeout: 10000 });
    // restarting, then idle again
    await page.waitForFunction(() => window.gc.kernelStatus() === 'idle' && /\| Idle$/.test(window.gc.statusBar() || ''), null, { timeout: 30000, polling: 50 });
    const gone = await runTyped(page, 'greeting', 'after-restart-gone');
    const fresh = await runTyped(page, 'fmt.Println("after restart")', 'after-restart');
    const after = await page.evaluate(() => window.gc.kernel().id);
    return {
      ok: gone.errors.length > 0 && fresh.stream.includes('after restart') && fresh.execution_count === 2,
      dialog,
      same_kernel_id: before === after,
      gone,
      fresh,
      bar: await page.evaluate(() => window.gc.statusBar()),
    };
  });
  await closeNotebook(page);

  // --- the tutorial notebooks: as committed (untrusted outputs), then Run All
  for (const name of cfg.notebooks || []) {
    const key = name.replace(/\.ipynb$/, '');
    await check(`notebook:${name}`, async () => {
      const rec = { name };
      out.notebooks[name] = rec;
      rec.open = await openNotebook(page, name);
      await page.waitForFunction(() => window.gc.imagesLoaded(), null, { timeout: 10000 }).catch(() => {});
      // as committed: the outputs come from the file, not trusted
      rec.committed = await page.evaluate((tag) => window.gc.cells(tag), `${key}-saved`);
      const committedCharts = rec.committed.flatMap((c) => c.charts || []);
      await shootCharts(page, name, 'committed', 'light', committedCharts);
      await command(page, 'notebook:clear-all-cell-outputs');
      const mark = await page.evaluate(() => window.gc.track());
      const t0 = Date.now();
      // what the Run menu's "Run All Cells" runs; not awaited (see runAllOver)
      await page.evaluate(() => {
        window.gc.runAll = 'pending';
        window.jupyterapp.commands.execute('notebook:run-all-cells').then(
          (v) => { window.gc.runAll = v; },
          (e) => { window.gc.runAll = `rejected: ${e}`; },
        );
      });
      rec.finished = true;
      try {
        await page.waitForFunction((mark) => window.gc.runAllOver(mark), mark, { timeout: cfg.notebookTimeoutMs || 120000, polling: 100 });
      } catch (e) {
        rec.finished = false;
      }
      rec.executions = await page.evaluate((mark) => ({
        sent: window.gc.requests.length - mark,
        replies: window.gc.replies(mark),
        command_result: window.gc.runAll,
      }), mark);
      rec.run_ms = Date.now() - t0;
      await page.waitForFunction(() => window.gc.imagesLoaded(), null, { timeout: 10000 }).catch(() => {});
      rec.cells = await page.evaluate((tag) => window.gc.cells(tag), key);
      rec.status = await page.evaluate(() => ({ status: window.gc.kernelStatus(), bar: window.gc.statusBar() }));
      const charts = rec.cells.flatMap((c) => c.charts || []);
      await shootCharts(page, name, 'run', 'light', charts);
      if ((cfg.darkNotebooks || []).includes(name)) {
        await setTheme(page, 'JupyterLab Dark');
        const dark = await page.evaluate((tag) => window.gc.cells(tag), `${key}-dark`);
        rec.dark_charts = dark.flatMap((c) => c.charts || []);
        await shootCharts(page, name, 'run', 'dark', rec.dark_charts);
        await shot(page, `${key}-dark`);
        await setTheme(page, 'JupyterLab Light');
      }
      await shot(page, `${key}-end`);
      await closeNotebook(page);
      return { ok: rec.finished, run_ms: rec.run_ms };
    });
  }
} catch (e) {
  out.fatal = String(e && e.stack ? e.stack : e).slice(0, 3000);
  log(`fatal: ${out.fatal}`);
} finally {
  out.total_ms = Date.now() - t00;
  await context.close().catch(() => {});
  try {
    fs.writeFileSync(path.join(cfg.shots, `${prefix}result.json`), JSON.stringify(out, null, 1));
  } catch (e) {
    log(`writing result.json failed: ${e.message}`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
