// End-to-end test of the built Coffer app, with every part real: the app binary under Xvfb driven
// by tauri-driver + WebKitWebDriver, a Garage node on loopback, a private gnome-keyring (run this
// through scripts/with-keyring.sh), and a real X drag-and-drop from another window with xdotool.
//
// The upload goes through the very path a person's drop takes: an OS drag onto the window, Tauri's
// drag-drop event in Rust, the engine. The native file picker and save dialog are driven with
// xdotool too. Nothing in the app is stubbed or bypassed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync, renameSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { root, startDesktop } from './desktop.mjs';

const app = process.env.COFFER_APP ?? join(root, 'target/debug/coffer-desktop');
const cli = process.env.COFFER_CLI ?? join(root, 'target/debug/coffer');
const fixture = join(root, 'target/debug/garage-fixture');
const screenshot = join(root, 'docs/screenshot.png');
const CONNECTION = 'Office Garage';

let desktop;
let browser;
let garage;

const $ = (id) => desktop.$(id);
const names = () =>
  browser.execute(() => [...document.querySelectorAll('[data-testid="entry-name"]')].map((e) => e.textContent.trim()));
const coffer = (...args) =>
  execFileSync(cli, ['--connection', CONNECTION, ...args], { env: process.env, encoding: 'utf8' });
const xdotool = (...args) => desktop.xdotool(...args);
// Keys pressed together and let go in reverse order, as W3C key actions: WebKitWebDriver keeps a
// modifier sent through `keys()` down, which would change what is typed next.
const KEY = { Control: '\uE009', Shift: '\uE008', Alt: '\uE00A', Enter: '\uE007', F2: '\uE032' };
const chord = async (...keys) => {
  const codes = keys.map((k) => KEY[k] ?? k);
  let action = browser.action('key');
  for (const code of codes) action = action.down(code);
  for (const code of [...codes].reverse()) action = action.up(code);
  await action.perform();
};
const focusDialog = (title) => desktop.focusDialog(title);
const dragIntoCoffer = (paths) => desktop.dragIntoCoffer(paths);

// The system's default app for text: a stand-in editor that only writes down which file it was
// handed, so the test can play the editor on that very file. Found by the real xdg-open through
// the private XDG folders scripts/with-keyring.sh sets up.
const editorLog = join(mkdtempSync(join(tmpdir(), 'coffer-editor-')), 'opened.log');
function installEditor() {
  const script = join(tmpdir(), `coffer-editor-${process.pid}.sh`);
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${editorLog}'\n`);
  chmodSync(script, 0o755);
  const apps = join(process.env.XDG_DATA_HOME, 'applications');
  mkdirSync(apps, { recursive: true });
  writeFileSync(
    join(apps, 'coffer-test-editor.desktop'),
    `[Desktop Entry]\nType=Application\nName=Coffer test editor\nExec=${script} %f\nMimeType=text/plain;\nNoDisplay=true\n`,
  );
  mkdirSync(process.env.XDG_CONFIG_HOME, { recursive: true });
  writeFileSync(join(process.env.XDG_CONFIG_HOME, 'mimeapps.list'), '[Default Applications]\ntext/plain=coffer-test-editor.desktop\n');
}

before(async () => {
  assert.ok(process.env.COFFER_TEST_KEYRING, 'run inside scripts/with-keyring.sh: the app stores secrets in a keyring');
  for (const bin of [app, cli, fixture]) assert.ok(existsSync(bin), `${bin} is built`);
  installEditor();
  desktop = await startDesktop({ fixture, bucket: 'e2e-docs' });
  garage = desktop.garage;
  browser = await desktop.launch(app);
});

after(async () => {
  await desktop?.close();
});

test('add a connection, drop documents in, share, download, pick a file, delete, see them gone', async () => {
  await $('connection-switcher').waitForExist({ timeout: 30_000 });
  // The switcher is on the page before the connections are read.
  await browser.waitUntil(async () => (await $('connection-switcher').getValue()) !== '', {
    timeout: 30_000,
    timeoutMsg: 'the connections are listed',
  });
  assert.equal(await $('connection-switcher').getValue(), 'Local vault', 'first start opens on the Local vault');

  // The Connections panel: the secret goes from the form to the keychain through Rust.
  await $('connections-button').click();
  await $('connection-add').click();
  await $('connection-name').setValue(CONNECTION);
  await $('connection-endpoint').setValue(garage.endpoint);
  await $('connection-region').setValue(garage.region);
  await $('connection-bucket').setValue(garage.bucket);
  await $('connection-access-key-id').setValue(garage.accessKeyId);
  await $('connection-secret').setValue(garage.secret);
  await $('connection-test').click();
  await browser.waitUntil(async () => /read and write/i.test(await $('connection-test-result').getText()), {
    timeout: 30_000,
    timeoutMsg: 'Test connection reports read and write',
  });
  await $('connection-save').click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="connection-item"]').length) >= 2, {
    timeout: 10_000,
    timeoutMsg: 'the saved connection is listed',
  });
  const config = readFileSync(join(process.env.XDG_CONFIG_HOME, 'coffer/connections.toml'), 'utf8');
  assert.ok(config.includes(garage.bucket) && !config.includes(garage.secret), 'the config file holds no secret');
  const page = await browser.getPageSource();
  assert.ok(!page.includes(garage.secret), 'the secret is not left in the page');
  await $('connections-close').click();

  await $('connection-switcher').selectByAttribute('value', CONNECTION);
  await $('empty-state').waitForDisplayed({ timeout: 20_000 });

  // A real drag of two files and a folder from another X window.
  const dir = mkdtempSync(join(tmpdir(), 'coffer-e2e-'));
  writeFileSync(join(dir, 'Budget 2026.xlsx'), Buffer.alloc(48_000, 7));
  writeFileSync(join(dir, 'Minutes – March.docx'), 'minutes of the meeting');
  mkdirSync(join(dir, 'Scans'));
  writeFileSync(join(dir, 'Scans', 'scan-1.pdf'), '%PDF-1.7 first');
  writeFileSync(join(dir, 'Scans', 'scan-2.pdf'), '%PDF-1.7 second');
  await dragIntoCoffer([join(dir, 'Budget 2026.xlsx'), join(dir, 'Minutes – March.docx'), join(dir, 'Scans')]);

  const expected = ['Scans', 'Budget 2026.xlsx', 'Minutes – March.docx'];
  await browser.waitUntil(
    async () => {
      const all = await names();
      return all.length === expected.length && expected.every((n) => all.includes(n));
    },
    {
    timeout: 60_000,
    timeoutMsg: 'the dropped documents appear in the list by themselves',
  });
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="transfer-group"][data-state="done"]').length) === 3,
    { timeout: 30_000, timeoutMsg: 'one summary row per dropped item, each done' },
  );
  const stored = coffer('ls', '--recursive');
  for (const key of ['Budget 2026.xlsx', 'Minutes – March.docx', 'Scans/scan-1.pdf', 'Scans/scan-2.pdf']) {
    assert.ok(stored.includes(key), `${key} is in the bucket:\n${stored}`);
  }

  mkdirSync(join(root, 'docs'), { recursive: true });
  await browser.saveScreenshot(screenshot);

  // The app and the CLI on one journal at the same time: a dropped folder and a `coffer put`.
  const many = join(dir, 'Many');
  const side = join(dir, 'Side');
  for (const folder of [many, side]) {
    mkdirSync(folder);
    for (let i = 0; i < 300; i++) writeFileSync(join(folder, `note-${i}.txt`), `note ${i}`);
  }
  const put = new Promise((ok, fail) =>
    execFile(cli, ['--connection', CONNECTION, 'put', side, '--to', 'cli/'], { env: process.env }, (error, stdout, stderr) =>
      error ? fail(new Error(`coffer put failed: ${stderr}`)) : ok(stdout),
    ),
  );
  await dragIntoCoffer([many]);
  await put;
  await browser.waitUntil(
    async () => (await browser.$('[data-testid="transfer-group"][data-name="Many"]').getAttribute('data-state')) === 'done',
    { timeout: 120_000, timeoutMsg: 'the dropped folder is uploaded while the CLI uploads beside it' },
  );
  const both = coffer('ls', '--recursive').split('\n');
  assert.equal(both.filter((line) => line.includes('Many/note-')).length, 300, 'every dropped file is stored');
  assert.equal(both.filter((line) => line.includes('cli/Side/note-')).length, 300, 'every file the CLI put is stored');

  // A colleague (a second writer, here the CLI) adds a document: it appears with no action here.
  const colleague = join(dir, 'From a colleague.pdf');
  writeFileSync(colleague, '%PDF-1.7 from a colleague');
  coffer('put', colleague);
  await browser.waitUntil(async () => (await names()).includes('From a colleague.pdf'), {
    timeout: 120_000,
    timeoutMsg: "a colleague's new document appears in the window by itself",
  });
  assert.ok((await names()).includes('cli'), "the colleague's folder is there too");
  const addedBy = browser.$('[data-testid="entry-row"][data-key="From a colleague.pdf"] [data-testid="entry-added-by"]');
  // textContent, not getText: the row may be scrolled out of view, which WebDriver calls hidden.
  await browser.waitUntil(async () => String(await addedBy.getProperty('textContent')).trim() !== '', {
    timeout: 30_000,
    timeoutMsg: 'the row says who added the document',
  });

  // Share: the link is made in Rust, put on the clipboard, and serves the document to anyone.
  await browser.$('[data-testid="entry-row"][data-key="Minutes – March.docx"]').click();
  await $('share').click();
  await $('share-expiry-3600').click();
  await $('share-copy').click();
  await $('share-url').waitForDisplayed({ timeout: 20_000 });
  const url = await $('share-url').getValue();
  assert.match(url, /X-Amz-Expires=3600/, 'the link lasts the hour chosen');
  const shared = await fetch(url);
  assert.equal(shared.status, 200);
  assert.equal(await shared.text(), 'minutes of the meeting', 'the link serves the document');
  await $('share-close').click();

  // Download…: the native save dialog (GTK, through rfd), driven like a person would.
  const saved = join(dir, 'saved copy.docx');
  await browser.$('[data-testid="entry-row"][data-key="Minutes – March.docx"]').click();
  await $('download').click();
  focusDialog('^Download$');
  xdotool('key', 'ctrl+a');
  xdotool('type', '--delay', '10', saved);
  xdotool('key', 'Return');
  await browser.waitUntil(() => existsSync(saved), { timeout: 20_000, timeoutMsg: 'the document is saved where chosen' });
  assert.equal(readFileSync(saved, 'utf8'), 'minutes of the meeting');

  // Upload files: the native file picker, the other way in besides a drop.
  const picked = join(dir, 'picked note.txt');
  writeFileSync(picked, 'picked in the native dialog');
  await $('upload-files').click();
  focusDialog('^Upload files$');
  await sleep(500);
  xdotool('key', 'ctrl+l');
  await sleep(300);
  xdotool('type', '--delay', '10', picked);
  await sleep(300);
  xdotool('key', 'Return');
  await browser.waitUntil(async () => (await names()).includes('picked note.txt'), {
    timeout: 30_000,
    timeoutMsg: 'the picked file is uploaded and listed',
  });

  // Delete everything: select all, Delete, confirm.
  await $('select-all').click();
  await $('delete').click();
  await browser.waitUntil(async () => /606 objects/.test(await $('delete-summary').getText()), {
    timeout: 20_000,
    timeoutMsg: 'the confirmation counts every object, folders included',
  });
  await $('delete-confirm').click();
  await $('empty-state').waitForDisplayed({ timeout: 30_000 });
  assert.deepEqual(await names(), [], 'the rows are gone');
  assert.equal(coffer('ls', '--recursive'), '', 'and so are the objects in Garage');
  const trash = coffer('trash', 'ls');
  assert.equal(trash.trim().split('\n').length, 606, 'every deleted document waits in the trash');
  assert.ok(trash.includes('Budget 2026.xlsx'), trash.slice(0, 500));
  assert.ok(!readFileSync(join(root, 'docs/screenshot.png')).includes(garage.secret), 'sanity: nothing secret in the screenshot file');
});

test('edit in place: saves in place and by rename reach Garage, a colleague change makes a conflicted copy, the CLI sees the lock', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-e2e-edit-'));
  const agenda = join(dir, 'Agenda.txt');
  writeFileSync(agenda, 'first agenda');
  coffer('put', agenda);
  const row = (key) => browser.$(`[data-testid="entry-row"][data-key="${key}"]`);
  await browser.waitUntil(async () => (await names()).includes('Agenda.txt'), {
    timeout: 120_000,
    timeoutMsg: 'the document to edit is listed',
  });
  const inBucket = (key) => {
    const target = join(dir, `check-${Date.now()}-${Math.random()}`);
    try {
      execFileSync(cli, ['--connection', CONNECTION, 'get', key, target], { env: process.env, stdio: 'ignore' });
      return readFileSync(target, 'utf8');
    } catch {
      return null;
    }
  };

  await row('Agenda.txt').doubleClick();
  await browser.waitUntil(() => existsSync(editorLog) && readFileSync(editorLog, 'utf8').trim() !== '', {
    timeout: 60_000,
    timeoutMsg: "the document is handed to the system's default app",
  });
  const cached = readFileSync(editorLog, 'utf8').trim().split('\n').pop();
  assert.equal(readFileSync(cached, 'utf8'), 'first agenda', 'the app gets the downloaded document');
  const badge = () => row('Agenda.txt').$('[data-testid="entry-edit"]');
  await browser.waitUntil(async () => (await badge().isExisting()) && (await badge().getAttribute('data-state')) === 'editing', {
    timeout: 30_000,
    timeoutMsg: 'the row says the document is being edited',
  });
  assert.match(coffer('locks'), /Agenda\.txt\s+being edited by /, 'a second program sees the lock');

  // The editor saves in place…
  writeFileSync(cached, 'agenda saved in place');
  await browser.waitUntil(() => inBucket('Agenda.txt') === 'agenda saved in place', {
    timeout: 120_000,
    timeoutMsg: 'the save in place reaches Garage',
  });
  await browser.waitUntil(async () => (await badge().getAttribute('data-state')) === 'saved', {
    timeout: 30_000,
    timeoutMsg: 'the row says saved to bucket',
  });
  // …and the way office suites do: a lock file, a temporary file renamed over the document.
  writeFileSync(join(dirname(cached), '.~lock.Agenda.txt#'), 'editor lock');
  writeFileSync(`${cached}.tmp`, 'agenda saved by rename');
  renameSync(`${cached}.tmp`, cached);
  await browser.waitUntil(() => inBucket('Agenda.txt') === 'agenda saved by rename', {
    timeout: 120_000,
    timeoutMsg: 'the save by rename reaches Garage',
  });
  assert.match(coffer('trash', 'ls'), /Agenda\.txt \(previous version\)/, 'each save kept the version it replaced');

  // A colleague replaces it meanwhile; the next save becomes a conflicted copy, nothing is lost.
  writeFileSync(agenda, "a colleague's agenda");
  coffer('put', agenda, '--on-conflict', 'replace');
  writeFileSync(cached, 'my agenda after theirs');
  await browser.waitUntil(async () => (await badge().getAttribute('data-state')) === 'conflict', {
    timeout: 120_000,
    timeoutMsg: 'the row says the save went to a conflicted copy',
  });
  const copy = coffer('ls').split('\n').map((line) => line.trim().split(/\s{2,}/).pop()).find((n) => n?.startsWith('Agenda (conflicted copy, '));
  assert.ok(copy, `a conflicted copy is listed:\n${coffer('ls')}`);
  assert.equal(inBucket(copy), 'my agenda after theirs', 'the local version is in the conflicted copy');
  assert.equal(inBucket('Agenda.txt'), "a colleague's agenda", "the colleague's version is untouched");

  // Done editing: the lock goes. The conflicted copy's row arrives with a listing and shifts the
  // rows; a click aimed before that lands on the wrong row, so the click is repeated until the
  // edited row is the selected one.
  await browser.waitUntil(async () => (await names()).includes(copy), {
    timeout: 120_000,
    timeoutMsg: 'the conflicted copy is listed in the window',
  });
  await browser.waitUntil(
    async () => {
      if ((await row('Agenda.txt').getAttribute('aria-selected')) === 'true') return true;
      await row('Agenda.txt').click();
      return false;
    },
    { timeout: 60_000, interval: 500, timeoutMsg: 'the edited row is selected' },
  );
  await row('Agenda.txt').click({ button: 'right' });
  const done = browser.$('[data-testid="menu-done-editing"]');
  await done.waitForExist({ timeout: 30_000, timeoutMsg: 'the context menu offers Done editing' });
  await done.click();
  await browser.waitUntil(async () => !(await badge().isExisting()), { timeout: 30_000, timeoutMsg: 'the row is no longer edited' });
  assert.doesNotMatch(coffer('locks'), /Agenda\.txt/, 'the lock is released');
});

test('organise, find and preview: a new folder, a rename, a move by dragging a row onto a folder, a search, a PDF preview', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-e2e-organise-'));
  const draft = join(dir, 'Proposal draft.txt');
  writeFileSync(draft, 'the proposal');
  coffer('put', draft);
  const brochure = join(dir, 'Brochure.pdf');
  writeFileSync(brochure, onePagePdf('Coffer brochure'));
  const row = (key) => browser.$(`[data-testid="entry-row"][data-key="${key}"]`);
  const listed = (key) => coffer('ls', '--recursive').split('\n').some((line) => line.endsWith(`  ${key}`));
  await browser.waitUntil(async () => (await names()).includes('Proposal draft.txt'), {
    timeout: 120_000,
    timeoutMsg: 'the document to organise is listed',
  });

  // Names are typed with the X keyboard into the focused field: after the native dialogs above,
  // WebDriver's synthesised keys lose their case on this WebKitGTK (typing "AbC" gives "abc").
  const [win] = xdotool('search', '--name', '^Coffer$').trim().split('\n');
  const typeName = async (text) => {
    await $('name-input').waitForDisplayed({ timeout: 30_000 });
    xdotool('windowfocus', '--sync', win);
    xdotool('key', 'ctrl+a');
    xdotool('type', '--delay', '20', text);
    await browser.waitUntil(async () => (await $('name-input').getValue()) === text, {
      timeout: 30_000,
      timeoutMsg: `the name field holds "${text}"`,
    });
    xdotool('key', 'Return');
  };

  // New folder, from the keyboard.
  await row('Proposal draft.txt').click();
  await chord('Control', 'Shift', 'n');
  await typeName('Projects');
  await row('Projects/').waitForExist({ timeout: 30_000, timeoutMsg: 'the new folder is listed' });
  assert.match(coffer('ls'), /Projects\//, 'the empty folder exists in Garage');

  // Rename with F2.
  await row('Proposal draft.txt').click();
  await chord('F2');
  await typeName('Proposal final.txt');
  await row('Proposal final.txt').waitForExist({ timeout: 30_000, timeoutMsg: 'the renamed document is listed' });
  await browser.waitUntil(() => listed('Proposal final.txt') && !listed('Proposal draft.txt'), {
    timeout: 30_000,
    timeoutMsg: 'Garage holds it under its new name only',
  });

  // A real drag with the X pointer: the row onto the folder's row.
  const geometry = xdotool('getwindowgeometry', '--shell', win);
  const at = (k) => Number(geometry.match(new RegExp(`${k}=(\\d+)`))[1]);
  const centre = async (key) => {
    const box = await browser.execute(
      (k) => document.querySelector(`[data-testid="entry-row"][data-key="${k}"] [data-testid="entry-name"]`).getBoundingClientRect().toJSON(),
      key,
    );
    return [Math.round(at('X') + box.x + box.width / 2), Math.round(at('Y') + box.y + box.height / 2)];
  };
  const [fx, fy] = await centre('Proposal final.txt');
  const [tx, ty] = await centre('Projects/');
  xdotool('mousemove', '--sync', String(fx), String(fy));
  xdotool('mousedown', '1');
  for (let i = 1; i <= 15; i++) {
    xdotool('mousemove', '--sync', String(Math.round(fx + ((tx - fx) * i) / 15)), String(Math.round(fy + ((ty - fy) * i) / 15)));
  }
  await $('drag-chip').waitForExist({ timeout: 30_000, timeoutMsg: 'the drag shows what it carries' });
  xdotool('mouseup', '1');
  await browser.waitUntil(() => listed('Projects/Proposal final.txt') && !listed('Proposal final.txt'), {
    timeout: 60_000,
    timeoutMsg: 'the dropped row is moved into the folder in Garage',
  });
  await row('Proposal final.txt').waitForExist({ reverse: true, timeout: 30_000, timeoutMsg: 'the row leaves this folder' });

  // Search the whole bucket from the top folder: the moved document is found in its folder.
  await chord('Control', 'f');
  await $('search-input').waitForDisplayed({ timeout: 30_000 });
  await $('search-input').setValue('proposal');
  const hit = browser.$('[data-testid="search-hit"][data-key="Projects/Proposal final.txt"]');
  await hit.waitForExist({ timeout: 60_000, timeoutMsg: 'search finds the moved document' });
  assert.equal(await browser.$$('[data-testid="search-hit"]').length, 1, 'and only it, not the old name');
  await browser.saveScreenshot(join(root, 'docs/screenshot-search.png'));
  await chord('Alt', 'Enter');
  await browser.waitUntil(async () => (await $('crumb-current').getText()) === 'Projects', {
    timeout: 30_000,
    timeoutMsg: 'Show in folder opens the folder holding it',
  });
  await browser.waitUntil(async () => (await row('Projects/Proposal final.txt').getAttribute('aria-selected')) === 'true', {
    timeout: 30_000,
    timeoutMsg: 'with the document selected',
  });

  // Preview beside the list: a PDF drawn by pdf.js from ranges read through Rust, then the arrow
  // key moves to the next document and the panel follows.
  coffer('put', brochure, 'Projects/');
  await row('Projects/Brochure.pdf').waitForExist({ timeout: 120_000, timeoutMsg: 'the PDF is listed' });
  await row('Projects/Brochure.pdf').click();
  await chord('Alt', 'p');
  await browser.waitUntil(async () => (await $('preview-pdf').getAttribute('data-pages')) === '1', {
    timeout: 60_000,
    timeoutMsg: 'the PDF opens in the preview',
  });
  await browser.waitUntil(async () => (await browser.$$('[data-testid="preview-pdf"] canvas[data-drawn="yes"]').length) === 1, {
    timeout: 60_000,
    timeoutMsg: 'its page is drawn',
  });
  // The CLI stored it with a CRC32C, which Garage keeps and gives back when asked.
  await browser.waitUntil(async () => /^CRC32C [A-Za-z0-9+/]{6}==$/.test(await $('details-checksum').getText()), {
    timeout: 30_000,
    timeoutMsg: 'the details give the checksum Garage keeps',
  });
  await browser.saveScreenshot(join(root, 'docs/screenshot-preview.png'));
  await browser.keys(['ArrowDown']);
  await browser.waitUntil(async () => (await $('preview-text').isExisting()) && (await $('preview-text').getText()) === 'the proposal', {
    timeout: 30_000,
    timeoutMsg: 'the arrow key moves the preview to the next document',
  });

  // Download many: the folder's documents, into a folder picked in the native folder picker, with
  // the download's row in Transfers; each document is checked against the checksum Garage keeps.
  // The picker opens in the desktop's Downloads folder (here a fresh one), and Open chooses it.
  const into = mkdtempSync(join(tmpdir(), 'coffer-e2e-into-'));
  writeFileSync(join(process.env.XDG_CONFIG_HOME, 'user-dirs.dirs'), `XDG_DOWNLOAD_DIR="${into}"\n`);
  await chord('Control', 'a');
  await $('download').click();
  focusDialog('^Download into$');
  xdotool('key', 'Return');
  await browser.waitUntil(
    async () => (await $('download-row').isExisting()) && (await $('download-row').getAttribute('data-state')) === 'done',
    { timeout: 60_000, interval: 1000, timeoutMsg: 'the download into the picked folder is done' },
  );
  assert.equal(readFileSync(join(into, 'Proposal final.txt'), 'utf8'), 'the proposal');
  assert.ok(readFileSync(join(into, 'Brochure.pdf')).equals(readFileSync(brochure)), 'the PDF arrives byte for byte');
  assert.match(await $('download-status').getText(), /2 of 2 checked/, 'both were checked against their checksums');
});

test('follows the system language: started in a German locale, the window is in German', async () => {
  const de = JSON.parse(readFileSync(join(root, 'ui/src/lib/i18n/de.json'), 'utf8'));
  // A new session starts the app again, in the environment tauri-driver hands it.
  await browser.deleteSession();
  const saved = { LANG: process.env.LANG, LANGUAGE: process.env.LANGUAGE, LC_ALL: process.env.LC_ALL };
  Object.assign(process.env, { LANG: 'de_DE.UTF-8', LANGUAGE: 'de_DE:de' });
  delete process.env.LC_ALL;
  try {
    browser = await desktop.launch(app);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  await $('connection-switcher').waitForExist({ timeout: 30_000 });
  await browser.waitUntil(async () => (await browser.execute(() => document.documentElement.lang)) === 'de', {
    timeout: 20_000,
    timeoutMsg: 'the page took the system language',
  });
  const upload = await browser.execute(() => document.querySelector('[data-testid="upload-files"]')?.textContent?.trim());
  assert.equal(upload, de.actions.uploadFiles, 'the toolbar speaks German');
  await $('connection-switcher').selectByAttribute('value', CONNECTION);
  await $('entry-row').waitForExist({ timeout: 20_000 });
  await browser.saveScreenshot(join(root, 'docs/screenshot-german.png'));
});

/** A one-page PDF showing `text`, with a correct cross-reference table. */
function onePagePdf(text) {
  const stream = `BT /F1 18 Tf 20 70 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = pdf.length;
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return pdf;
}
