// Drives the classic Jupyter Notebook (6.x) in headless Chromium with the
// gocurrent kernel, for tests/test_browser.py.
//
//   node notebook.mjs CONFIG_JSON
//
// CONFIG_JSON (an argument, not a file): {
//   "url": "http://127.0.0.1:PORT", "token": "...",
//   "chromium": "/usr/bin/chromium", "profile": "/tmp/fresh-user-data-dir",
//   "shots": "/tmp/dir for screenshots",
//   "notebooks": ["01-goroutines.ipynb", ...],   // in the server's root dir
//   "notebookTimeoutMs": 90000
// }
//
// Prints one JSON object on stdout: {"checks": {name: {ok, ms, detail...}},
// "notebooks": {name: {...per cell...}}, "screenshots": [paths],
// "console": [browser console errors]}. Progress goes to stderr. The
// script makes no assertions of its own beyond recording what it saw:
// pytest decides.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const cfg = JSON.parse(process.argv[2] || '{}');
const base = cfg.url.replace(/\/$/, '');
const out = { checks: {}, notebooks: {}, screenshots: [], console: [] };
const t00 = Date.now();
const log = (...a) => process.stderr.write(`[browser ${((Date.now() - t00) / 1000).toFixed(1)}s] ${a.join(' ')}\n`);
fs.mkdirSync(cfg.shots, { recursive: true });

async function shot(page, name, target) {
  const file = path.join(cfg.shots, `${name}.png`);
  try {
    if (target) await target.screenshot({ path: file, timeout: 10000 });
    else await page.screenshot({ path: file, timeout: 10000 });
    out.screenshots.push(file);
  } catch (e) {
    log(`screenshot ${name} failed: ${e.message.split('\n')[0]}`);
  }
  return file;
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

// ---------------------------------------------------------------- helpers

// Waits until the notebook page has loaded and its kernel is idle.
async function waitNotebookReady(page, timeout = 60000) {
  await page.waitForFunction(
    () =>
      window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded &&
      Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() &&
      document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null,
    null,
    { timeout, polling: 100 },
  );
}

// Kernel idle, and the given code cells (indices; default all non-empty)
// have a numeric execution count.
async function waitCellsDone(page, indices, timeout) {
  await page.waitForFunction(
    (idx) => {
      const cells = Jupyter.notebook.get_cells();
      const want = idx || cells.map((c, i) => i).filter((i) => cells[i].cell_type === 'code' && cells[i].get_text().trim() !== '');
      const done = want.every((i) => typeof cells[i].input_prompt_number === 'number');
      return done && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
    },
    indices || null,
    { timeout, polling: 200 },
  );
}

// Adds a code cell at the bottom, puts the cursor in it (by clicking its
// editor) and returns its index.
async function newCellFocused(page) {
  const index = await page.evaluate(() => {
    const nb = Jupyter.notebook;
    const last = nb.get_cell(nb.ncells() - 1);
    let i;
    if (last && last.cell_type === 'code' && last.get_text() === '' && last.input_prompt_number == null) {
      i = nb.ncells() - 1;
    } else {
      nb.insert_cell_at_bottom('code');
      i = nb.ncells() - 1;
    }
    nb.select(i);
    return i;
  });
  await page.locator('#notebook-container .cell').nth(index).locator('.CodeMirror').click();
  await page.waitForFunction((i) => Jupyter.notebook.get_cell(i).mode === 'edit', index, { timeout: 5000 });
  return index;
}

async function cellText(page, i) {
  return page.evaluate((i) => Jupyter.notebook.get_cell(i).get_text(), i);
}

async function cellOutput(page, i) {
  return page.evaluate((i) => {
    const el = Jupyter.notebook.get_cell(i).element[0].querySelector('.output_wrapper');
    return el ? el.innerText : '';
  }, i);
}

async function runCellTyped(page, code, timeout = 30000) {
  const i = await newCellFocused(page);
  await page.keyboard.type(code);
  await page.keyboard.press('Shift+Enter');
  await waitCellsDone(page, [i], timeout);
  return i;
}

// ---------------------------------------------------------------- checks

// A fresh profile directory (--user-data-dir) needs a persistent context.
const context = await chromium.launchPersistentContext(cfg.profile, {
  executablePath: cfg.chromium || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
  timeout: 60000,
});
context.setDefaultTimeout(30000);
function watch(page) {
  page.on('pageerror', (e) => out.console.push({ page: page.url(), type: 'pageerror', text: String(e).slice(0, 500) }));
  page.on('console', (m) => {
    if (m.type() === 'error') out.console.push({ page: page.url(), type: 'console.error', text: m.text().slice(0, 500) });
  });
  page.on('dialog', (d) => d.dismiss().catch(() => {}));
}
context.on('page', watch);

let nbPage = null;

try {
  const tree = await context.newPage();
  await tree.goto(`${base}/tree?token=${cfg.token}`, { waitUntil: 'domcontentloaded' });

  // --- the New menu lists the kernel; its logo is served
  await check('new_menu', async () => {
    await tree.waitForSelector('#new-dropdown-button', { state: 'visible' });
    // the menu is filled from /api/kernelspecs once loaded
    await tree.waitForSelector('#new-menu li[id^="kernel-"]', { state: 'attached', timeout: 30000 });
    await tree.click('#new-dropdown-button');
    const item = tree.locator('#new-menu #kernel-gocurrent a');
    await item.waitFor({ state: 'visible', timeout: 10000 });
    const entries = await tree.$$eval('#new-menu li[id^="kernel-"] a', (as) => as.map((a) => a.innerText.trim()));
    const text = (await item.innerText()).trim();
    await shot(tree, 'tree-new-menu');
    const logo = await tree.request.get(`${base}/kernelspecs/gocurrent/logo-64x64.png`);
    const body = await logo.body();
    return {
      ok: text === 'Go (gocurrent)' && logo.status() === 200 && (logo.headers()['content-type'] || '').startsWith('image/png'),
      item_text: text,
      entries,
      logo_status: logo.status(),
      logo_type: logo.headers()['content-type'],
      logo_bytes: body.length,
      logo_png_magic: body.subarray(0, 8).toString('hex') === '89504e470d0a1a0a',
    };
  });

  // --- create a notebook from the New menu; the kernel logo shows
  await check('new_notebook', async () => {
    const popupP = context.waitForEvent('page', { timeout: 30000 });
    await tree.click('#new-menu #kernel-gocurrent a');
    nbPage = await popupP;
    await nbPage.waitForLoadState('domcontentloaded');
    await waitNotebookReady(nbPage);
    const info = await nbPage.evaluate(() => {
      const img = document.querySelector('#kernel_logo_widget img.current_kernel_logo');
      const r = img ? img.getBoundingClientRect() : null;
      return {
        url: location.pathname,
        kernel_name: Jupyter.notebook.kernel.name,
        kernelspec: Jupyter.notebook.metadata.kernelspec,
        language_info: Jupyter.notebook.metadata.language_info || null,
        indicator_text: (document.querySelector('.kernel_indicator_name') || {}).innerText || '',
        logo_src: img ? img.getAttribute('src') : null,
        logo_loaded: !!(img && img.complete && img.naturalWidth > 0),
        logo_natural: img ? [img.naturalWidth, img.naturalHeight] : null,
        logo_visible: !!(r && r.width > 0 && r.height > 0 && getComputedStyle(img).display !== 'none'),
        cm_mode: Jupyter.notebook.get_cell(0).code_mirror.getOption('mode'),
      };
    });
    await shot(nbPage, 'new-notebook', nbPage.locator('#header'));
    return {
      ok: info.kernel_name === 'gocurrent' && info.logo_loaded && info.logo_visible && /gocurrent\/logo-64x64\.png/.test(info.logo_src || ''),
      ...info,
    };
  });
  if (!nbPage) throw new Error('no notebook page: the remaining notebook checks cannot run');

  // --- a cell's output and timing line
  await check('run_cell', async () => {
    const i = await runCellTyped(nbPage, 'greeting := "hello from chromium"\nfmt.Println(greeting)');
    const text = await cellOutput(nbPage, i);
    const count = await nbPage.evaluate((i) => Jupyter.notebook.get_cell(i).input_prompt_number, i);
    const timingVisible = await nbPage.evaluate((i) => {
      const el = Jupyter.notebook.get_cell(i).element[0];
      const w = document.createTreeWalker(el.querySelector('.output_wrapper'), NodeFilter.SHOW_TEXT);
      for (let n = w.nextNode(); n; n = w.nextNode()) {
        if (n.nodeValue.includes('\u00bb wall')) {
          const r = n.parentElement.getBoundingClientRect();
          return r.width > 0 && r.height > 0;
        }
      }
      return false;
    }, i);
    await shot(nbPage, 'run-cell', nbPage.locator('#notebook-container .cell').nth(i));
    return {
      ok: text.includes('hello from chromium') && text.includes('\u00bb wall') && timingVisible && count === 1,
      output: text.slice(0, 1000),
      execution_count: count,
      timing_visible: timingVisible,
    };
  });

  // --- Tab completion
  await check('tab_completion', async () => {
    const i = await newCellFocused(nbPage);
    await nbPage.keyboard.type('fmt.Pri');
    await nbPage.keyboard.press('Tab');
    let options = [];
    let listVisible = false;
    try {
      await nbPage.waitForSelector('#complete select option', { state: 'visible', timeout: 8000 });
      listVisible = true;
      options = await nbPage.$$eval('#complete select option', (os) => os.map((o) => o.textContent));
    } catch (e) {
      /* a single match is inserted without a list */
    }
    const typedText = await cellText(nbPage, i);
    if (listVisible) {
      await shot(nbPage, 'tab-completion');
      // pick the first entry: it replaces "Pri" (the reply's cursor_start)
      await nbPage.keyboard.press('Enter');
      await nbPage.waitForSelector('#complete', { state: 'detached', timeout: 5000 }).catch(() => {});
    }
    const text = await cellText(nbPage, i);
    await nbPage.keyboard.press('Escape');
    await nbPage.evaluate((i) => Jupyter.notebook.get_cell(i).set_text(''), i);
    return {
      ok: /^fmt\.Print\w*$/.test(text) && (!listVisible || options.includes('Println')),
      list_visible: listVisible,
      options,
      text_after_tab: typedText,
      text_after_pick: text,
    };
  });

  // --- Shift-Tab tooltip with documentation: on the name, and inside the
  // call's parentheses (`fmt.Println(` then Shift-Tab: what one does in
  // the classic Notebook to see a function's signature)
  async function tooltip(typed, shotName) {
    await nbPage.keyboard.press('Escape');
    await nbPage.evaluate(() => Jupyter.tooltip && Jupyter.tooltip.remove_and_cancel_tooltip(true));
    const i = await newCellFocused(nbPage);
    await nbPage.keyboard.type(typed);
    const cursor = await nbPage.evaluate((i) => Jupyter.notebook.get_cell(i).code_mirror.getCursor(), i);
    const text0 = await cellText(nbPage, i);
    // no tooltip left from before (it fades out), no reply seen yet
    await nbPage.waitForSelector('#tooltip', { state: 'hidden', timeout: 5000 });
    await nbPage.evaluate(() => { Jupyter.tooltip._reply = null; });
    await nbPage.keyboard.press('Shift+Tab');
    let reply = null;
    let visible = false;
    let text = '';
    try {
      // the inspect_reply to this request (the tooltip keeps it)
      await nbPage.waitForFunction(() => Jupyter.tooltip._reply !== null, null, { timeout: 8000 });
      reply = await nbPage.evaluate(() => {
        const c = Jupyter.tooltip._reply.content;
        return { status: c.status, found: c.found, mimetypes: Object.keys(c.data || {}) };
      });
      if (reply.found) {
        await nbPage.waitForSelector('#tooltip', { state: 'visible', timeout: 5000 });
        await nbPage.waitForFunction(
          () => (document.querySelector('#tooltip .tooltiptext') || {}).innerText,
          null,
          { timeout: 5000 },
        );
        visible = true;
        text = await nbPage.$eval('#tooltip .tooltiptext', (e) => e.innerText);
        // let the fade-in finish before the screenshot
        await nbPage.waitForFunction(() => getComputedStyle(document.querySelector('#tooltip')).opacity === '1', null, { timeout: 3000 }).catch(() => {});
        await shot(nbPage, shotName);
      } else {
        // give a wrong tooltip a chance to show up
        await nbPage.waitForTimeout(500);
        visible = await nbPage.isVisible('#tooltip');
      }
    } catch (e) {
      text = await nbPage.evaluate(() => (document.querySelector('#tooltip .tooltiptext') || {}).innerText || '');
    }
    await nbPage.keyboard.press('Escape');
    await nbPage.evaluate(() => Jupyter.tooltip && Jupyter.tooltip.remove_and_cancel_tooltip(true));
    await nbPage.evaluate((i) => Jupyter.notebook.get_cell(i).set_text(''), i);
    return { ok: visible && /Println/.test(text), visible, reply, text: text.slice(0, 1500), cell_text: text0, cursor };
  }
  await check('shift_tab_tooltip', () => tooltip('fmt.Println(', 'shift-tab-tooltip'));
  await check('shift_tab_tooltip_on_name', () => tooltip('fmt.Println', 'shift-tab-tooltip-on-name'));

  // --- interrupt from the toolbar
  await check('interrupt', async () => {
    await nbPage.keyboard.press('Escape');
    const i = await newCellFocused(nbPage);
    await nbPage.evaluate((i) => Jupyter.notebook.get_cell(i).set_text('spins := 0\nfor {\n\tspins++\n}'), i);
    await nbPage.keyboard.press('Shift+Enter');
    // running: prompt '*' and the kernel busy
    await nbPage.waitForFunction(
      (i) => Jupyter.notebook.get_cell(i).input_prompt_number === '*' &&
        document.querySelector('#kernel_indicator_icon.kernel_busy_icon') !== null,
      i,
      { timeout: 15000 },
    );
    await nbPage.waitForTimeout(1000);
    const button = nbPage.locator('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
    const t0 = Date.now();
    await button.click();
    let stoppedMs = null;
    try {
      await waitCellsDone(nbPage, [i], 15000);
      stoppedMs = Date.now() - t0;
      // The reply (shell) may reach the page before the error (iopub):
      // the two channels share no order over the websocket. The cell's
      // live timing display is already among its outputs, so wait for the
      // error itself.
      await nbPage.waitForFunction(
        (i) => Jupyter.notebook.get_cell(i).output_area.outputs.some((o) => o.output_type === 'error'),
        i,
        { timeout: 5000 },
      );
    } catch (e) {
      /* not stopped, or no output */
    }
    const loopOut = await cellOutput(nbPage, i);
    await shot(nbPage, 'interrupt', nbPage.locator('#notebook-container .cell').nth(i));
    let after = '';
    let afterOk = false;
    if (stoppedMs !== null) {
      const j = await runCellTyped(nbPage, 'fmt.Println("after interrupt:", greeting)');
      after = await cellOutput(nbPage, j);
      afterOk = after.includes('after interrupt: hello from chromium');
    }
    return {
      ok: stoppedMs !== null && stoppedMs < 5000 && /interrupted/i.test(loopOut) && afterOk,
      stopped_ms: stoppedMs,
      loop_output: loopOut.slice(0, 1500),
      after_output: after.slice(0, 1000),
    };
  });
  await nbPage.close();

  // --- the tutorial notebooks: Run All
  for (const name of cfg.notebooks || []) {
    const key = name.replace(/\.ipynb$/, '');
    await check(`notebook:${name}`, async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${base}/notebooks/${encodeURIComponent(name)}`, { waitUntil: 'domcontentloaded' });
        await waitNotebookReady(page);
        await page.evaluate(() => Jupyter.notebook.clear_all_output());
        const t0 = Date.now();
        await page.click('#celllink');
        await page.click('#run_all_cells > a');
        let finished = true;
        try {
          await waitCellsDone(page, null, cfg.notebookTimeoutMs || 90000);
        } catch (e) {
          finished = false;
        }
        const runMs = Date.now() - t0;
        const cells = await page.evaluate(() =>
          Jupyter.notebook.get_cells().map((c, index) => {
            if (c.cell_type !== 'code') return { index, type: c.cell_type };
            const el = c.element[0];
            const wrap = el.querySelector('.output_wrapper');
            let timing = null;
            const w = document.createTreeWalker(wrap, NodeFilter.SHOW_TEXT);
            for (let n = w.nextNode(); n; n = w.nextNode()) {
              const k = n.nodeValue.indexOf('\u00bb wall');
              if (k >= 0) {
                const r = n.parentElement.getBoundingClientRect();
                const line = n.nodeValue.slice(k).split('\n')[0];
                timing = { text: line, visible: r.width > 0 && r.height > 0 };
                break;
              }
            }
            const charts = [...el.querySelectorAll('.output_area .output_subarea')]
              .map((sub) => sub.querySelector(':scope > svg, :scope > img, svg, img'))
              .filter(Boolean)
              .map((e) => {
                const r = e.getBoundingClientRect();
                return {
                  tag: e.tagName.toLowerCase(),
                  width: r.width,
                  height: r.height,
                  shapes: e.tagName.toLowerCase() === 'svg' ? e.querySelectorAll('rect, path, line, polyline, circle, text').length : null,
                  loaded: e.tagName.toLowerCase() === 'img' ? e.complete && e.naturalWidth > 0 : true,
                };
              });
            return {
              index,
              type: 'code',
              source_head: c.get_text().split('\n')[0].slice(0, 80),
              empty: c.get_text().trim() === '',
              execution_count: c.input_prompt_number === undefined ? null : c.input_prompt_number,
              tags: (c.metadata && c.metadata.tags) || [],
              expected_error: (c.metadata && c.metadata.expected_error) || null,
              errors: [...el.querySelectorAll('.output_error')].map((e) => e.innerText.slice(0, 1500)),
              stderr: [...el.querySelectorAll('.output_stderr')].map((e) => e.innerText.slice(0, 500)),
              output_types: [...el.querySelectorAll('.output_area .output_subarea')].map((e) => e.className),
              timing,
              charts,
              text: wrap ? wrap.innerText.slice(0, 600) : '',
            };
          }),
        );
        // screenshots: the first cell with a chart, else the top of the page
        const firstChart = cells.find((c) => c.charts && c.charts.length);
        if (firstChart) {
          await shot(page, `${key}-chart`, page.locator('#notebook-container .cell').nth(firstChart.index));
        }
        await shot(page, `${key}-end`);
        const kernelState = await page.evaluate(() =>
          document.querySelector('#kernel_indicator_icon').className);
        out.notebooks[name] = { finished, run_ms: runMs, kernel_indicator: kernelState, cells };
        return { ok: finished, run_ms: runMs };
      } finally {
        await page.close();
      }
    });
  }
} catch (e) {
  out.fatal = String(e && e.stack ? e.stack : e).slice(0, 3000);
  log(`fatal: ${out.fatal}`);
} finally {
  out.total_ms = Date.now() - t00;
  await context.close().catch(() => {});
  try {
    fs.writeFileSync(path.join(cfg.shots, 'result.json'), JSON.stringify(out, null, 1));
  } catch (e) {
    log(`writing result.json failed: ${e.message}`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
