// The real desktop app under test: Xvfb, a Garage node on loopback, tauri-driver + WebKitWebDriver
// driving the built binary, and a real X drag-and-drop from another window with xdotool. Shared by
// the end-to-end test and the window's benchmarks, so both reach the app the way a person does.
// Run inside scripts/with-keyring.sh: the app keeps secrets in a keyring.

import { spawn, execFileSync } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { remote } from 'webdriverio';

export const root = resolve(import.meta.dirname, '../..');

const log = (line) => process.stderr.write(`desktop: ${line}\n`);

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/** Resolves with the first line `stream` writes. */
export function firstLine(stream) {
  return new Promise((ok, fail) => {
    let text = '';
    stream.on('data', (chunk) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end >= 0) ok(text.slice(0, end));
    });
    stream.on('end', () => fail(new Error(`stream ended before a line: ${text}`)));
  });
}

/** The lines of `stream`, one per `next()` call; rejects if the stream ends first. */
function lines(stream) {
  let text = '';
  const waiting = [];
  const ready = [];
  let ended = false;
  const settle = () => {
    while (waiting.length > 0 && (ready.length > 0 || ended)) {
      const { ok, fail } = waiting.shift();
      if (ready.length > 0) ok(ready.shift());
      else fail(new Error(`stream ended before a line: ${text}`));
    }
  };
  stream.on('data', (chunk) => {
    text += chunk;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n')) {
      ready.push(text.slice(0, end).trim());
      text = text.slice(end + 1);
    }
    settle();
  });
  stream.on('end', () => {
    ended = true;
    settle();
  });
  return { next: () => new Promise((ok, fail) => (waiting.push({ ok, fail }), settle())) };
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise((ok) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), ok(true)));
      socket.once('error', () => ok(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * Starts Xvfb and a Garage fixture (`garage-fixture <bucket>`). `launch(app)` then opens the app
 * through tauri-driver. Everything started is stopped by `close()`.
 */
export async function startDesktop({ fixture, bucket }) {
  const children = [];
  const start = (cmd, args, options = {}) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], ...options });
    children.push(child);
    return child;
  };
  const xvfb = start('Xvfb', ['-displayfd', '1', '-screen', '0', '1600x1000x24', '-nolisten', 'tcp']);
  const display = `:${(await firstLine(xvfb.stdout)).trim()}`;
  log(`Xvfb on ${display}`);
  const env = () => ({ ...process.env, DISPLAY: display, WEBKIT_DISABLE_DMABUF_RENDERER: '1', NO_AT_BRIDGE: '1' });
  const xdotool = (...args) => execFileSync('xdotool', args, { env: env(), encoding: 'utf8' });

  const garageFixture = start(fixture, [bucket]);
  const garage = JSON.parse(await firstLine(garageFixture.stdout));
  log(`Garage at ${garage.endpoint}`);

  const desktop = {
    garage,
    display,
    env,
    xdotool,
    browser: null,
    driver: null,

    /** Opens `app` in a WebDriver session; resolves once the session is up. */
    async launch(app) {
      const port = await freePort();
      const nativePort = await freePort();
      desktop.driver = start('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], { env: env() });
      await waitForPort(port);
      desktop.browser = await remote({
        hostname: '127.0.0.1',
        port,
        logLevel: 'warn',
        connectionRetryTimeout: 60_000,
        capabilities: { 'tauri:options': { application: app } },
      });
      return desktop.browser;
    },

    /** Closes the app and its WebDriver session, so that `launch` can start it afresh. */
    async quit() {
      if (desktop.browser) await desktop.browser.deleteSession().catch(() => {});
      desktop.browser = null;
      if (desktop.driver?.exitCode === null) {
        const exited = new Promise((done) => desktop.driver.once('exit', done));
        desktop.driver.kill('SIGTERM');
        await exited;
      }
      desktop.driver = null;
    },

    /** The element with `data-testid="id"`. */
    $: (id) => desktop.browser.$(`[data-testid="${id}"]`),

    /**
     * Drags `paths` from a GTK window (standing in for a file manager) onto Coffer's window.
     * Resolves with the `performance.now()` of the drop (the button let go), when `onDrop` is called.
     * Every step waits for a state (the source mapped, the drop overlay shown, the drag ended),
     * so a slow machine only makes it slower.
     */
    async dragIntoCoffer(paths, { onDrop = () => {} } = {}) {
      const source = start('/usr/bin/python3', [join(import.meta.dirname, 'drag_source.py'), '1400', '800', ...paths], {
        env: env(),
      });
      const said = lines(source.stdout);
      try {
        if ((await said.next()) !== 'ready') throw new Error('the drag source did not start');
        execFileSync('xdotool', ['search', '--sync', '--onlyvisible', '--name', '^coffer-drag-source$'], {
          env: env(),
          timeout: 60_000,
        });
        const [id] = xdotool('search', '--name', '^Coffer$').trim().split('\n');
        const geometry = xdotool('getwindowgeometry', '--shell', id);
        const value = (k) => Number(geometry.match(new RegExp(`${k}=(\\d+)`))[1]);
        const [tx, ty] = [value('X') + value('WIDTH') / 2, value('Y') + value('HEIGHT') / 2];
        xdotool('mousemove', '--sync', '1480', '880');
        xdotool('mousedown', '1');
        // GTK starts a drag only after the pointer moves past a threshold, in several motion events.
        for (let i = 1; i <= 20; i++) {
          xdotool('mousemove', String(Math.round(1480 + ((tx - 1480) * i) / 20)), String(Math.round(880 + ((ty - 880) * i) / 20)));
          await sleep(50); // a person's pace; nothing below depends on it
        }
        // The window shows its drop overlay once the drag has entered it; until then, keep moving.
        let nudge = 0;
        await desktop.browser.waitUntil(
          async () => {
            if (await desktop.$('drop-overlay').isDisplayed()) return true;
            nudge = (nudge + 1) % 4;
            xdotool('mousemove', String(Math.round(tx) + nudge * 3), String(Math.round(ty)));
            return false;
          },
          { timeout: 60_000, interval: 100, timeoutMsg: 'the drag never entered the window' },
        );
        xdotool('mouseup', '1');
        const dropped = performance.now();
        onDrop();
        // The source must live until the window has taken the files and said it is finished.
        while ((await said.next()) !== 'ended');
        return dropped;
      } finally {
        source.kill('SIGTERM');
      }
    },

    /** Gives keyboard focus to the native dialog titled like `title` (there is no window manager to). */
    focusDialog(title) {
      const [id] = execFileSync('xdotool', ['search', '--sync', '--onlyvisible', '--name', title], {
        env: env(),
        encoding: 'utf8',
        timeout: 20_000,
      })
        .trim()
        .split('\n');
      xdotool('windowfocus', '--sync', id);
    },

    async close() {
      if (desktop.browser) await desktop.browser.deleteSession().catch(() => {});
      // The fixture stops Garage (and deletes its data) when its stdin closes; a signal would kill
      // the fixture before it could, leaving the server running.
      const exited = new Promise((done) => garageFixture.once('exit', done));
      garageFixture.stdin.end();
      await Promise.race([exited, sleep(10_000)]);
      for (const child of children.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
  return desktop;
}
