// Peak memory of the desktop app's Rust process while a folder of many small files is dropped into
// it (a real X drag, the real app, Garage on loopback), next to `coffer put` of the same folder:
// the two share one upload pipeline, so neither should pay memory per file.
//
//   scripts/with-keyring.sh node bench/app/memory.mjs [--files 1000,100000] [--save]
//
// Each count is dropped in turn into one app session (smallest first), so the app's growth over its
// idle RSS can be compared between a small and a large drop: with nothing kept per file, the two
// are about the same.
//
// Uses the release builds (`cargo build --release --features tauri/custom-protocol -p coffer-desktop
// -p coffer-cli -p coffer-testkit`). Prints a markdown table; `--save` writes it into
// bench/memory.md under "The app and the CLI".

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { root, startDesktop } from '../../ui/e2e/desktop.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const counts = option('--files', '1000,100000').split(',').map(Number).sort((a, b) => a - b);
const save = args.includes('--save');
const app = option('--app', join(root, 'target/release/coffer-desktop'));
const cli = option('--cli', join(root, 'target/release/coffer'));
const fixture = option('--fixture', join(root, 'target/release/garage-fixture'));
const CONNECTION = 'Bench';
const log = (line) => process.stderr.write(`bench: ${line}\n`);

for (const bin of [app, cli, fixture]) if (!existsSync(bin)) throw new Error(`${bin} is not built`);
if (!process.env.COFFER_TEST_KEYRING) throw new Error('run inside scripts/with-keyring.sh');

const work = mkdtempSync(join(tmpdir(), 'coffer-app-memory-'));
const folders = counts.map((files) => {
  const folder = join(work, `files-${files}`);
  mkdirSync(folder);
  log(`writing ${files} files of 1 KiB`);
  for (let i = 0; i < files; i++) writeFileSync(join(folder, `f${String(i).padStart(6, '0')}`), Buffer.alloc(1024, i % 251));
  return { files, folder };
});

/** `VmHWM` (peak RSS) and `VmRSS` of a process, in KiB. */
function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field) => Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))[1]);
  return { peak: kib('VmHWM'), now: kib('VmRSS') };
}

const desktop = await startDesktop({ fixture, bucket: 'bench-memory' });
const rows = [];
try {
  const { garage } = desktop;
  const coffer = (...rest) => execFileSync(cli, ['--connection', CONNECTION, ...rest], { encoding: 'utf8', maxBuffer: 1 << 30 });
  execFileSync(
    cli,
    ['connection', 'add', CONNECTION, '--endpoint', garage.endpoint, '--region', garage.region, '--bucket', garage.bucket,
      '--access-key-id', garage.accessKeyId],
    { input: `${garage.secret}\n`, stdio: ['pipe', 'inherit', 'inherit'] },
  );
  const browser = await desktop.launch(app);
  const $ = desktop.$;
  await $('connection-switcher').waitForExist({ timeout: 30_000 });
  await $('connection-switcher').selectByAttribute('value', CONNECTION);
  await $('empty-state').waitForDisplayed({ timeout: 30_000 });
  const pid = Number(execFileSync('pgrep', ['-n', '-f', app], { encoding: 'utf8' }).trim());
  await sleep(1000);
  const idle = memory(pid);
  log(`app pid ${pid}: ${(idle.now / 1024).toFixed(1)} MiB idle`);

  for (const { files, folder } of folders) {
    const started = performance.now();
    await desktop.dragIntoCoffer([folder]);
    await browser.waitUntil(
      async () =>
        (await browser.$(`[data-testid="transfer-group"][data-name="files-${files}"]`).getAttribute('data-state')) === 'done',
      { timeout: 60 * 60_000, interval: 250, timeoutMsg: `the dropped ${files}-file folder is uploaded` },
    );
    const seconds = (performance.now() - started) / 1000;
    const dropped = memory(pid);
    const stored = coffer('ls', '--recursive', `files-${files}`).trim().split('\n').length;
    log(`app, ${files} files: ${seconds.toFixed(1)} s, peak ${(dropped.peak / 1024).toFixed(1)} MiB, ${stored} objects`);
    rows.push({ what: `app (Rust process): ${files.toLocaleString('en-US')}-file folder dropped`, seconds, peak: dropped.peak, growth: dropped.peak - idle.now, stored });
  }

  for (const { files, folder } of folders) {
    const timed = spawnSync('/usr/bin/time', ['-f', '%e %M', cli, '--connection', CONNECTION, 'put', folder, '--to', 'cli/'], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    if (timed.status !== 0) throw new Error(`coffer put failed: ${timed.stderr.slice(-2000)}`);
    const [seconds, peak] = timed.stderr.trim().split('\n').pop().split(' ').map(Number);
    const stored = coffer('ls', '--recursive', `cli/files-${files}`).trim().split('\n').length;
    log(`cli, ${files} files: ${seconds} s, peak ${(peak / 1024).toFixed(1)} MiB, ${stored} objects`);
    rows.push({ what: `coffer put: the same ${files.toLocaleString('en-US')} files`, seconds, peak, growth: null, stored });
  }
  rows.unshift({ what: 'app (Rust process): idle, window open on the bucket', seconds: null, peak: idle.now, growth: 0, stored: null });
} finally {
  await desktop.close();
  rmSync(work, { recursive: true, force: true });
}

const version = (bin) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const table = [
  '## The app and the CLI',
  '',
  `- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  `- machine: ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
  `- ${version(cli)}; the app built the same way (release); Garage single node on loopback`,
  '- the app: a real X drag of the folder onto the window, until its summary row says done; peak RSS is',
  '  the Rust process\'s VmHWM (the WebKit processes are measured by the window benchmark)',
  '',
  '| run | time (s) | peak RSS (MiB) | app: growth over idle (MiB) | objects stored |',
  '|---|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.what} | ${r.seconds == null ? '–' : r.seconds.toFixed(1)} | ${(r.peak / 1024).toFixed(1)} | ${r.growth == null ? '–' : (r.growth / 1024).toFixed(1)} | ${r.stored == null ? '–' : r.stored.toLocaleString('en-US')} |`,
  ),
  '',
  'The app\'s Rust process hosts GTK and WebKitGTK, about 170 MiB resident before any upload; what a',
  'drop costs it is the growth over that, to be compared with the CLI\'s whole peak.',
  '',
].join('\n');
process.stdout.write(`${table}\n`);
if (save) {
  const path = join(root, 'bench/memory.md');
  const before = readFileSync(path, 'utf8');
  const cut = before.indexOf('## The app and the CLI');
  writeFileSync(path, `${(cut >= 0 ? before.slice(0, cut) : `${before.trimEnd()}\n\n`)}${table}`);
  log('saved bench/memory.md');
}
