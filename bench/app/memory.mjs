// Peak memory of the desktop app's Rust process while a folder of many small files is dropped into
// it (a real X drag, the real app, Garage on loopback), next to `coffer put` of the same folder:
// the two share one upload pipeline, so neither should pay memory per file.
//
//   scripts/with-keyring.sh node bench/app/memory.mjs [--files 100000] [--save]
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
const files = Number(option('--files', '100000'));
const save = args.includes('--save');
const app = option('--app', join(root, 'target/release/coffer-desktop'));
const cli = option('--cli', join(root, 'target/release/coffer'));
const fixture = option('--fixture', join(root, 'target/release/garage-fixture'));
const CONNECTION = 'Bench';
const log = (line) => process.stderr.write(`bench: ${line}\n`);

for (const bin of [app, cli, fixture]) if (!existsSync(bin)) throw new Error(`${bin} is not built`);
if (!process.env.COFFER_TEST_KEYRING) throw new Error('run inside scripts/with-keyring.sh');

const work = mkdtempSync(join(tmpdir(), 'coffer-app-memory-'));
const folder = join(work, `files-${files}`);
mkdirSync(folder);
log(`writing ${files} files of 1 KiB`);
for (let i = 0; i < files; i++) writeFileSync(join(folder, `f${String(i).padStart(6, '0')}`), Buffer.alloc(1024, i % 251));

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

  const started = performance.now();
  await desktop.dragIntoCoffer([folder]);
  await browser.waitUntil(
    async () => (await browser.$$('[data-testid="transfer-group"][data-state="done"]').length) === 1,
    { timeout: 30 * 60_000, interval: 250, timeoutMsg: 'the dropped folder is uploaded' },
  );
  const seconds = (performance.now() - started) / 1000;
  const dropped = memory(pid);
  const stored = coffer('ls', '--recursive', `files-${files}`).trim().split('\n').length;
  log(`app: ${seconds.toFixed(1)} s, peak ${(dropped.peak / 1024).toFixed(1)} MiB, ${stored} objects`);
  rows.push({ what: `app (Rust process), ${files.toLocaleString('en-US')}-file folder dropped`, seconds, peak: dropped.peak, idle: idle.now, stored });

  const timed = spawnSync('/usr/bin/time', ['-f', '%e %M', cli, '--connection', CONNECTION, 'put', folder, '--to', 'cli/'], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 30,
  });
  if (timed.status !== 0) throw new Error(`coffer put failed: ${timed.stderr.slice(-2000)}`);
  const [cliSeconds, cliPeak] = timed.stderr.trim().split('\n').pop().split(' ').map(Number);
  const cliStored = coffer('ls', '--recursive', `cli/files-${files}`).trim().split('\n').length;
  log(`cli: ${cliSeconds} s, peak ${(cliPeak / 1024).toFixed(1)} MiB, ${cliStored} objects`);
  rows.push({ what: `coffer put, the same folder`, seconds: cliSeconds, peak: cliPeak, idle: null, stored: cliStored });
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
  '| upload | time (s) | peak RSS (MiB) | idle RSS before (MiB) | objects stored |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.what} | ${r.seconds.toFixed(1)} | ${(r.peak / 1024).toFixed(1)} | ${r.idle == null ? '–' : (r.idle / 1024).toFixed(1)} | ${r.stored.toLocaleString('en-US')} |`),
  '',
  `Difference of peaks: ${((rows[0].peak - rows[1].peak) / 1024).toFixed(1)} MiB.`,
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
