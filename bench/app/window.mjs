// The window's benchmark: the real release app under Xvfb, driven through WebDriver as the
// end-to-end test drives it, on its Local vault and on a Garage node on loopback. Every row is the
// median of several runs (min–max beside it); the page's own clock times what happens in the page,
// so no number includes WebDriver's polling.
//
//   cargo build --release --features tauri/custom-protocol \
//     -p coffer-desktop -p coffer-cli -p coffer-testkit -p tauri-minimal
//   scripts/with-keyring.sh node bench/app/window.mjs [--runs 3] [--save]
//
// Rows (bench/README.md says what each one times):
// - start: from the app's process start until the page's first paint and until the first rows of the
//   open folder are painted, on the Local vault and on Garage; once with the files in the page cache,
//   once after dropping it (when this user may);
// - a 100,000-object folder: first rows, fully listed, and the longest gap between painted frames
//   while it streams in, next to `coffer ls -r` of the same folder;
// - a drop of 1,000 files of 16 KiB, from the drop until the upload is done and its folder listed,
//   next to `coffer put` of the same files;
// - memory: idle PSS of the app's processes (the Rust process and WebKit's) next to the minimal Tauri
//   app in bench/app/minimal, and the peak of their summed RSS while a 100,000-file folder is
//   dropped.
//
// The page sets two User Timing marks (ui/src/lib/state/folder-view.svelte.ts): `coffer:first-rows`
// in the frame that paints a listing's first rows, `coffer:listed` in the one that paints it whole.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { root, startDesktop } from '../../ui/e2e/desktop.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(option('--runs', '3'));
const save = args.includes('--save');
// For working on the drops and the big folder: no starts, no idle memory, no table.
const quick = args.includes('--quick');
// `perf record -a -g` into this file during the first drop, to see where the machine's time goes.
const perfFile = option('--perf', null);
// The same during the first listing of the 100,000-object folder.
const perfListingFile = option('--perf-listing', null);
const release = (name) => join(root, 'target/release', name);
const app = option('--app', release('coffer-desktop'));
const minimal = option('--minimal', release('tauri-minimal'));
const cli = option('--cli', release('coffer'));
const fixture = option('--fixture', release('garage-fixture'));
const BIG = Number(option('--big', '100000'));
const DROP = Number(option('--drop', '1000'));
const GARAGE = 'Bench';
const BIG_CONNECTION = 'Bench big folder';
const LOCAL = 'Local vault';
const SETTLE_MS = 3000;
const log = (line) => process.stderr.write(`bench: ${line}\n`);

for (const bin of [app, minimal, cli, fixture]) if (!existsSync(bin)) throw new Error(`${bin} is not built`);
if (!process.env.COFFER_TEST_KEYRING) throw new Error('run inside scripts/with-keyring.sh');

// ---- processes and memory -------------------------------------------------------------------------

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const BOOT_MS = Number(readFileSync('/proc/stat', 'utf8').match(/^btime (\d+)/m)[1]) * 1000;

/** Fields of /proc/PID/stat after the command name (field 3 is index 0). */
function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** When the process started, in ms since the epoch (to the kernel's clock tick, 10 ms). */
const startedAt = (pid) => BOOT_MS + (Number(stat(pid)[19]) * 1000) / CLOCK_TICKS;

/** The newest process running `bin`, waited for. */
async function pidOf(bin) {
  for (let i = 0; i < 200; i++) {
    const found = spawnSync('pgrep', ['-n', '-f', `^${bin}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return Number(found);
    await sleep(50);
  }
  throw new Error(`${bin} is not running`);
}

async function gone(pid) {
  while (existsSync(`/proc/${pid}`)) await sleep(50);
}

/** `pid` and every process below it (the WebKit web and network processes). */
function tree(pid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = Number(stat(name)[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // Gone since the listing.
    }
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]) ?? []));
  return all;
}

const kib = (text, field) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
const read = (pid, file) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
};
/** Summed over the app's processes, in KiB. */
const pss = (pid) => tree(pid).reduce((sum, p) => sum + kib(read(p, 'smaps_rollup'), 'Pss'), 0);
const rss = (pid) => tree(pid).reduce((sum, p) => sum + kib(read(p, 'status'), 'VmRSS'), 0);
/** Each process's name and PSS, for the log. */
const breakdown = (pid) => tree(pid).map((p) => `${read(p, 'comm').trim()} ${mib(kib(read(p, 'smaps_rollup'), 'Pss'))}`).join(', ');

/** CPU time (user + system, in seconds) of each of `pids`, by process name. */
function cpuTimes(pids) {
  const times = {};
  for (const p of pids) {
    try {
      const fields = stat(p);
      const name = read(p, 'comm').trim();
      times[name] = (times[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // Gone meanwhile.
    }
  }
  return times;
}
const cpuSpent = (before, after) =>
  Object.entries(after)
    .map(([name, t]) => `${name} ${(t - (before[name] ?? 0)).toFixed(1)} s`)
    .join(', ');

/**
 * Writes out every dirty page (the test files, what Garage stored), then waits until the processes
 * `pids()` names use under a tenth of a core over half a second together: the app has finished its
 * background work (building the search index of a connection it opened, re-listing after a drop)
 * and Garage its own, so the next measurement has the machine to itself.
 */
async function quiet(pids, limitMs = 5 * 60_000) {
  execFileSync('sync');
  const total = () => Object.values(cpuTimes(pids())).reduce((sum, t) => sum + t, 0);
  const deadline = performance.now() + limitMs;
  for (let last = total(); performance.now() < deadline; ) {
    await sleep(500);
    const now = total();
    if (now - last < 0.05) return;
    last = now;
  }
  log(`still busy after ${limitMs / 1000} s; measuring anyway`);
}

/** Drops the page cache, so a start reads the app and its libraries from disk; false if not allowed. */
function dropCaches() {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

// ---- numbers --------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const seconds = (ms) => (ms / 1000).toFixed(2);
const mib = (k) => (k / 1024).toFixed(0);
/** "median (min–max)" of `xs`, formatted by `f`. */
const spread = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;

// ---- the work folder ------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'coffer-window-bench-'));
function folderOf(name, count, size) {
  const folder = join(work, name);
  mkdirSync(folder);
  const content = randomBytes(size);
  for (let i = 0; i < count; i++) writeFileSync(join(folder, `f${String(i).padStart(6, '0')}`), content);
  return folder;
}
log(`writing test files in ${work}`);
const docs = join(work, 'docs');
mkdirSync(docs);
for (let i = 1; i <= 20; i++) writeFileSync(join(docs, `Report ${String(i).padStart(2, '0')}.pdf`), randomBytes(16 * 1024));
const drops = Array.from({ length: RUNS }, (_, i) => folderOf(`drop-${i + 1}`, DROP, 16 * 1024));
const big = folderOf('big', BIG, 1024);

const desktop = await startDesktop({ fixture, bucket: 'bench-window' });
const { garage } = desktop;
const coffer = (...rest) => execFileSync(cli, rest, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'inherit'] });
/** Runs `coffer ...rest`, timed from start to exit. */
const timedCoffer = (...rest) => {
  const started = performance.now();
  const done = spawnSync(cli, rest, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
  if (done.status !== 0) throw new Error(`coffer ${rest.join(' ')} failed: ${done.stderr.slice(-2000)}`);
  return performance.now() - started;
};

const results = {};
try {
  for (const [name, prefix] of [
    [GARAGE, null],
    [BIG_CONNECTION, 'big/'],
  ]) {
    execFileSync(
      cli,
      ['connection', 'add', name, '--endpoint', garage.endpoint, '--region', garage.region, '--bucket', garage.bucket,
        '--access-key-id', garage.accessKeyId, ...(prefix ? ['--prefix', prefix] : [])],
      { input: `${garage.secret}\n`, stdio: ['pipe', 'inherit', 'inherit'] },
    );
  }
  for (const connection of [GARAGE, LOCAL]) coffer('--connection', connection, 'put', ...readdirSync(docs).map((f) => join(docs, f)), '--to', '');

  const browser = () => desktop.browser;
  /** The page's marks and paint timings, as ms since the epoch. */
  const pageTimes = () =>
    browser().execute(() => {
      const at = (entry) => (entry ? performance.timeOrigin + entry.startTime : null);
      return {
        origin: performance.timeOrigin,
        paint: at(performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')),
        firstRows: at(performance.getEntriesByName('coffer:first-rows').at(-1)),
        listed: at(performance.getEntriesByName('coffer:listed').at(-1)),
      };
    });
  /**
   * Resolves (ms since the epoch, by the page's clock) once the page shows what `want` names: it is
   * `loaded` and `painted`, a folder was `listed` complete, a `row` of this key, a transfer `group` of
   * this name done.
   * The condition is data, not code: the page's CSP forbids building functions from strings.
   */
  const pageWaits = async (want, limitMs = 30 * 60_000) => {
    const deadline = performance.now() + limitMs;
    while (performance.now() < deadline) {
      const at = await waitOnce(want);
      if (at != null) return at;
    }
    throw new Error(`the page did not show ${JSON.stringify(want)} within ${limitMs / 1000} s`);
  };
  /** Switches the window to `connection` as its switcher does when a person picks one. */
  const switchTo = (connection) =>
    browser().execute((connection) => {
      const switcher = document.querySelector('[data-testid="connection-switcher"]');
      switcher.value = connection;
      // Bubbling: Svelte listens for change events at the root.
      switcher.dispatchEvent(new Event('change', { bubbles: true }));
    }, connection);
  // Gives up after 20 s with null, so that no WebDriver request outlasts its timeout.
  const waitOnce = (want) =>
    browser().executeAsync((want, done) => {
      const since = performance.now();
      const row = (key) => document.querySelector(`[data-testid="entry-row"][data-key="${CSS.escape(key)}"]`);
      const group = (name) => document.querySelector(`[data-testid="transfer-group"][data-name="${CSS.escape(name)}"]`);
      const holds = () =>
        (!want.loaded || document.readyState === 'complete') &&
        (!want.painted || performance.getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint')) &&
        (!want.listed || performance.getEntriesByName('coffer:listed').length > 0) &&
        (!want.row || row(want.row) != null) &&
        (!want.group || group(want.group)?.getAttribute('data-state') === 'done');
      const check = () => {
        if (holds()) done(performance.timeOrigin + performance.now());
        else if (performance.now() - since > 20_000) done(null);
        else setTimeout(check, 5);
      };
      check();
    }, want);

  /** Starts `bin`, waits until the page shows `ready` (see `pageWaits`), returns its pid. */
  async function start(bin, ready) {
    await desktop.launch(bin);
    await browser().setTimeout({ script: 60 * 60_000 });
    const pid = await pidOf(bin);
    await pageWaits(ready);
    return pid;
  }
  async function quit(pid) {
    await desktop.quit();
    const closed = gone(pid);
    if ((await Promise.race([closed.then(() => true), sleep(15_000).then(() => false)])) === false) {
      log(`process ${pid} still runs after its session ended; killing it`);
      process.kill(pid, 'SIGKILL');
      await closed;
    }
  }

  // Idle memory: the minimal app first, then Coffer on its (nearly empty) Local vault below.
  const canDrop = dropCaches();
  const idle = { minimal: [], minimalPaint: {}, coffer: [] };
  for (let run = 0; run < (quick ? 0 : RUNS); run++) {
    for (const cold of canDrop ? [true, false] : [false]) {
      if (cold) dropCaches();
      const pid = await start(minimal, { loaded: true, painted: true });
      const { origin, paint } = await pageTimes();
      (idle.minimalPaint[cold] ??= []).push(paint - startedAt(pid));
      log(`minimal app${cold ? ', page cache dropped' : ''}: page load began ${seconds(origin - startedAt(pid))} s, paint ${seconds(paint - startedAt(pid))} s`);
      if (!cold) {
        await sleep(SETTLE_MS);
        idle.minimal.push(pss(pid));
        log(`minimal app: ${mib(idle.minimal.at(-1))} MiB PSS (${breakdown(pid)})`);
      }
      await quit(pid);
    }
  }

  // Starts: the Local vault is what a first start shows; then Garage, remembered from a switch.
  const starts = {};
  for (const connection of quick ? [] : [LOCAL, GARAGE]) {
    for (let run = 0; run < RUNS; run++) {
      for (const cold of canDrop ? [true, false] : [false]) {
        if (cold) dropCaches();
        const pid = await start(app, { listed: true, painted: true });
        const began = startedAt(pid);
        const times = await pageTimes();
        const line = (starts[`${connection}|${cold}`] ??= { paint: [], rows: [] });
        line.paint.push(times.paint - began);
        line.rows.push(times.firstRows - began);
        log(
          `start on ${connection}${cold ? ', page cache dropped' : ''}: page load began ${seconds(times.origin - began)} s, paint ${seconds(times.paint - began)} s, rows ${seconds(times.firstRows - began)} s`,
        );
        if (connection === LOCAL && !cold) {
          await sleep(SETTLE_MS);
          idle.coffer.push(pss(pid));
          log(`coffer idle: ${mib(idle.coffer.at(-1))} MiB PSS (${breakdown(pid)})`);
        }
        if (connection === LOCAL && run === RUNS - 1 && !cold) {
          // The next start opens on Garage.
          await switchTo(GARAGE);
          await pageWaits({ row: 'Report 01.pdf', listed: true }, 120_000);
        }
        await quit(pid);
      }
    }
  }
  results.starts = starts;
  results.idle = idle;
  results.canDrop = canDrop;

  // The rest happens in one session on Garage.
  const pid = await start(app, { listed: true });
  if (quick) {
    await switchTo(GARAGE);
    await pageWaits({ row: 'Report 01.pdf', listed: true }, 120_000);
  }
  const groupDone = (name) => pageWaits({ group: name, row: `${name}/` });

  // 1,000 files dropped, next to the CLI, taking turns.
  const drop = { app: [], cli: [] };
  const garagePid = Number(execFileSync('pgrep', ['-n', '-x', 'garage'], { encoding: 'utf8' }).trim());
  const watched = () => [...tree(pid), garagePid];
  for (const [run, folder] of drops.entries()) {
    await quiet(watched);
    const perf = perfFile && run === 0 ? spawn('perf', ['record', '-a', '-g', '-o', perfFile], { stdio: 'ignore' }) : null;
    if (perf) await sleep(1000);
    const cpuDrag = cpuTimes(watched());
    let cpuBefore;
    const at = await desktop.dragIntoCoffer([folder], { onDrop: () => (cpuBefore = cpuTimes(watched())) });
    log(`CPU during the drag: ${cpuSpent(cpuDrag, cpuBefore)}`);
    const droppedAt = performance.timeOrigin + at;
    const done = await groupDone(basename(folder));
    log(`CPU from the drop until done: ${cpuSpent(cpuBefore, cpuTimes(watched()))}`);
    if (perf) {
      const exited = new Promise((done) => perf.once('exit', done));
      perf.kill('SIGINT');
      await exited;
    }
    drop.app.push(done - droppedAt);
    await quiet(watched);
    const cliCpu = cpuTimes([garagePid]);
    drop.cli.push(timedCoffer('--connection', GARAGE, 'put', folder, '--to', `cli-${run + 1}/`));
    log(`garage's CPU during coffer put: ${cpuSpent(cliCpu, cpuTimes([garagePid]))}`);
    const stored = coffer('--connection', GARAGE, 'ls', '--recursive', basename(folder)).trim().split('\n').length;
    if (stored !== DROP) throw new Error(`${stored} of ${DROP} dropped files stored`);
    log(`drop of ${DROP}: app ${seconds(drop.app.at(-1))} s, coffer put ${seconds(drop.cli.at(-1))} s`);
  }
  results.drop = drop;

  // The big drop, with the processes' summed RSS sampled throughout.
  await quiet(watched);
  await sleep(SETTLE_MS);
  const before = rss(pid);
  let peak = before;
  // Each process's own peak too, for the log: which of them grows.
  const each = (into) => {
    for (const p of tree(pid)) {
      const name = read(p, 'comm').trim();
      into[name] = Math.max(into[name] ?? 0, kib(read(p, 'status'), 'VmRSS'));
    }
    return into;
  };
  const eachBefore = each({});
  const eachPeak = each({});
  const sampler = setInterval(() => {
    peak = Math.max(peak, rss(pid));
    each(eachPeak);
  }, 100);
  const bigCpu = cpuTimes(watched());
  const bigAt = performance.timeOrigin + (await desktop.dragIntoCoffer([big]));
  const bigDone = await groupDone('big');
  log(`CPU during the drop: ${cpuSpent(bigCpu, cpuTimes(watched()))}; processes now ${breakdown(pid)} MiB PSS`);
  clearInterval(sampler);
  peak = Math.max(peak, rss(pid));
  const bigStored = coffer('--connection', BIG_CONNECTION, 'ls', '--recursive').trim().split('\n').length;
  if (bigStored !== BIG) throw new Error(`${bigStored} of ${BIG} dropped files stored`);
  results.bigDrop = { seconds: bigDone - bigAt, before, peak };
  log(`drop of ${BIG}: ${seconds(bigDone - bigAt)} s, RSS ${mib(before)} → peak ${mib(peak)} MiB`);
  log(`each process's RSS before → peak (MiB): ${Object.keys(eachPeak).map((n) => `${n} ${mib(eachBefore[n] ?? 0)} → ${mib(eachPeak[n])}`).join(', ')}`);

  // The big folder, as a connection of its own: switch to it, as a person would.
  const listing = { rows: [], listed: [], gap: [], cli: [], cliRecursive: [], pss: [] };
  for (let run = 0; run < RUNS; run++) {
    await quiet(watched);
    const perf = perfListingFile && run === 0 ? spawn('perf', ['record', '-a', '-g', '-o', perfListingFile], { stdio: 'ignore' }) : null;
    if (perf) await sleep(1000);
    const listingCpu = cpuTimes(watched());
    // Frames are recorded from one frame before the switch until the folder is painted complete.
    await browser().execute((connection) => {
      const bench = { frames: [], began: null, result: null };
      window.__coffer_bench = bench;
      const frame = (t) => {
        bench.frames.push(t);
        const listed = performance.getEntriesByName('coffer:listed').at(-1);
        if (bench.began != null && listed != null && listed.startTime >= bench.began) {
          const firstRows = performance.getEntriesByName('coffer:first-rows').at(-1);
          const during = bench.frames.filter((f) => f >= bench.began && f <= listed.startTime);
          let gap = 0;
          for (let i = 1; i < during.length; i++) gap = Math.max(gap, during[i] - during[i - 1]);
          bench.result = {
            rows: firstRows == null || firstRows.startTime < bench.began ? null : firstRows.startTime - bench.began,
            listed: listed.startTime - bench.began,
            gap,
            frames: during.length,
          };
          return;
        }
        if (bench.began != null && t - bench.began > 300_000) {
          bench.result = { failed: `not listed after 5 minutes (${document.querySelector('[data-testid="item-count"]')?.textContent})` };
          return;
        }
        requestAnimationFrame(frame);
      };
      requestAnimationFrame((t) => {
        bench.frames.push(t);
        const switcher = document.querySelector('[data-testid="connection-switcher"]');
        bench.began = performance.now();
        switcher.value = connection;
        // Bubbling: Svelte listens for change events at the root.
        switcher.dispatchEvent(new Event('change', { bubbles: true }));
        requestAnimationFrame(frame);
      });
    }, BIG_CONNECTION);
    let measured = null;
    while (measured == null) {
      measured = await browser().executeAsync((done) => {
        const since = performance.now();
        const check = () => {
          const result = window.__coffer_bench.result;
          if (result != null || performance.now() - since > 20_000) done(result);
          else setTimeout(check, 5);
        };
        check();
      });
    }
    if (measured.failed) throw new Error(`the big folder: ${measured.failed}`);
    log(`CPU while the big folder was listed: ${cpuSpent(listingCpu, cpuTimes(watched()))}`);
    if (perf) {
      const exited = new Promise((done) => perf.once('exit', done));
      perf.kill('SIGINT');
      await exited;
    }
    if (measured.rows == null) throw new Error('the big folder was listed without a first-rows mark');
    listing.rows.push(measured.rows);
    listing.listed.push(measured.listed);
    listing.gap.push(measured.gap);
    // The app indexes a connection it opens for the first time once the folder is listed.
    await quiet(watched);
    await sleep(SETTLE_MS);
    listing.pss.push(pss(pid));
    log(`big folder: first rows ${seconds(measured.rows)} s, listed ${seconds(measured.listed)} s, longest frame gap ${measured.gap.toFixed(0)} ms (${measured.frames} frames), PSS ${mib(listing.pss.at(-1))} MiB`);
    listing.cli.push(timedCoffer('--connection', BIG_CONNECTION, 'ls'));
    listing.cliRecursive.push(timedCoffer('--connection', BIG_CONNECTION, 'ls', '--recursive'));
    log(`coffer ls: ${seconds(listing.cli.at(-1))} s, coffer ls -r: ${seconds(listing.cliRecursive.at(-1))} s`);
    await switchTo(GARAGE);
    await pageWaits({ row: 'Report 01.pdf' }, 120_000);
  }
  results.listing = listing;
  await quit(pid);
} finally {
  await desktop.close();
  rmSync(work, { recursive: true, force: true });
}

// ---- the table ------------------------------------------------------------------------------------

if (quick) process.exit(0);

const version = (bin) => execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
const webkit = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).stdout || 'unknown';
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown CPU';
const { starts, idle, drop, bigDrop, listing } = results;
const ratio = (a, b) => (median(a) / median(b)).toFixed(2);
const verdict = (ok) => (ok ? 'met' : '**not met**');

const startRows = [];
for (const [connection, label] of [
  [LOCAL, 'Local vault (20 documents)'],
  [GARAGE, 'Garage (20 documents)'],
]) {
  for (const cold of results.canDrop ? [true, false] : [false]) {
    const line = starts[`${connection}|${cold}`];
    startRows.push(
      `| ${label}, ${cold ? 'page cache dropped' : 'files in the page cache'} | ${spread(line.paint, seconds)} | ${spread(line.rows, seconds)} | ${verdict(median(line.rows) < 2000)} |`,
    );
  }
}
const table = [
  '# The window: start, a large folder, drops and memory',
  '',
  `- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  `- machine: ${cpus().length} cores (${cpu}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM; Xvfb, no GPU; WebKitGTK ${webkit}`,
  `- ${version(cli)}, the app and the minimal Tauri app (bench/app/minimal) built the same way (release, custom protocol); Garage single node on loopback`,
  `- every number is the median of ${RUNS} runs (min–max beside it), except the big drop, done once; made by \`scripts/with-keyring.sh node bench/app/window.mjs --save\``,
  '',
  '## Start',
  '',
  'From the app\'s process start (the kernel\'s start time) until the page\'s first contentful paint, and until the frame that paints the open folder\'s first rows.',
  '',
  '| start | first paint (s) | first rows (s) | target: rows under 2 s |',
  '|---|---:|---:|---|',
  ...startRows,
  ...(results.canDrop ? [true, false] : [false]).map(
    (cold) => `| the minimal Tauri app, ${cold ? 'page cache dropped' : 'files in the page cache'}, for comparison | ${spread(idle.minimalPaint[cold], seconds)} | – | – |`,
  ),
  '',
  `## A folder of ${BIG.toLocaleString('en-US')} objects (Garage)`,
  '',
  'From switching to a connection on the folder until the frame that paints its first rows, and the one that paints it complete; the longest gap between two painted frames in between (`requestAnimationFrame` timestamps); next to the CLI listing the same folder, the runs taking turns. The window lists one level (with the `/` delimiter), as `coffer ls` does; `coffer ls -r` lists without a delimiter, which Garage answers differently.',
  '',
  '| measure | value | target |',
  '|---|---:|---|',
  `| first rows (s) | ${spread(listing.rows, seconds)} | – |`,
  `| fully listed (s) | ${spread(listing.listed, seconds)} | ${verdict(median(listing.listed) <= median(listing.cli))}: no slower than the CLI |`,
  `| \`coffer ls\` of the folder, the same one-level listing (s) | ${spread(listing.cli, seconds)} | – |`,
  `| \`coffer ls -r\` of the folder, no delimiter (s) | ${spread(listing.cliRecursive, seconds)} | – |`,
  `| longest frame gap while it streams in (ms) | ${spread(listing.gap, (x) => x.toFixed(0))} | ${verdict(median(listing.gap) <= 50)}: 50 ms at most |`,
  `| PSS of the app's processes with it listed (MiB) | ${spread(listing.pss, mib)} | – |`,
  '',
  `## A drop of ${DROP.toLocaleString('en-US')} files of 16 KiB (Garage)`,
  '',
  'From the drop (the mouse button let go over the window, a real X drag) until the upload\'s row says done and its folder is listed; next to `coffer put` of the same files, the runs taking turns.',
  '',
  '| upload | time (s) | ratio to the CLI | target |',
  '|---|---:|---:|---|',
  `| the app, dropped | ${spread(drop.app, seconds)} | ${ratio(drop.app, drop.cli)} | ${verdict(median(drop.app) <= 1.2 * median(drop.cli))}: within 1.2× |`,
  `| \`coffer put\` | ${spread(drop.cli, seconds)} | 1.00 | – |`,
  '',
  '## Memory',
  '',
  'PSS and RSS summed over the app\'s processes: the Rust process and the WebKit web and network processes below it.',
  '',
  '| measure | value | target |',
  '|---|---:|---|',
  `| minimal Tauri app, idle PSS (MiB) | ${spread(idle.minimal, mib)} | – |`,
  `| Coffer on the Local vault, idle PSS (MiB) | ${spread(idle.coffer, mib)} | ${verdict(median(idle.coffer) <= 1.1 * median(idle.minimal))}: at most 1.1× the minimal app (${ratio(idle.coffer, idle.minimal)}×) |`,
  `| drop of ${BIG.toLocaleString('en-US')} files of 1 KiB: time (s) | ${seconds(bigDrop.seconds)} | – |`,
  `| the same: RSS before → peak during (MiB) | ${mib(bigDrop.before)} → ${mib(bigDrop.peak)} (+${mib(bigDrop.peak - bigDrop.before)}) | ${verdict(bigDrop.peak - bigDrop.before <= 60 * 1024)}: at most 60 MiB over idle |`,
  '',
].join('\n');
process.stdout.write(`${table}\n`);
if (save) {
  writeFileSync(join(root, 'bench/app-results.md'), table);
  log('saved bench/app-results.md');
}
