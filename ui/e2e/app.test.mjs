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
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const focusDialog = (title) => desktop.focusDialog(title);
const dragIntoCoffer = (paths) => desktop.dragIntoCoffer(paths);

before(async () => {
  assert.ok(process.env.COFFER_TEST_KEYRING, 'run inside scripts/with-keyring.sh: the app stores secrets in a keyring');
  for (const bin of [app, cli, fixture]) assert.ok(existsSync(bin), `${bin} is built`);
  desktop = await startDesktop({ fixture, bucket: 'e2e-docs' });
  garage = desktop.garage;
  browser = await desktop.launch(app);
});

after(async () => {
  await desktop?.close();
});

test('add a connection, drop documents in, share, download, pick a file, delete, see them gone', async () => {
  await $('connection-switcher').waitForExist({ timeout: 30_000 });
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
