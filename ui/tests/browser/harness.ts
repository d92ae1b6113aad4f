/**
 * What every browser test needs: the built harness (`dist-test/`) served on 127.0.0.1 under the
 * strict CSP the app ships with, headless Debian Chromium with a throwaway profile in the locale under
 * test (see `messages.ts`), and a page that records CSP violations and page errors so a test can
 * assert there were none.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { LOCALE } from './messages';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist-test');

/** The policy Tauri will enforce, minus its IPC origins: nothing inline, nothing remote. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; worker-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function serve(): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/favicon.ico') {
      // Chromium asks for one on its own; the app has none.
      response.writeHead(204).end();
      return;
    }
    const file = normalize(join(ROOT, path === '/' ? 'index.html' : path));
    if (!file.startsWith(ROOT)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolveServer) => server.listen(0, '127.0.0.1', () => resolveServer(server)));
}

export interface Harness {
  context: BrowserContext;
  /** A new page on the harness, with `query` (e.g. "scenario=big"), after the app has rendered its header. */
  open(query?: string): Promise<Page>;
  /** Problems the page reported: CSP violations, uncaught errors, console errors. */
  problems(page: Page): Promise<string[]>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await serve();
  const { port } = server.address() as AddressInfo;
  const profile = await mkdtemp(join(tmpdir(), 'coffer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
    // The page's navigator.languages, as WebKitGTK derives them from the process locale for the app.
    locale: LOCALE,
  });
  const errors = new WeakMap<Page, string[]>();

  return {
    context,
    async open(query = '') {
      const page = await context.newPage();
      // A cap, not a pace: waits end when their state is reached.
      page.setDefaultTimeout(120_000);
      const list: string[] = [];
      errors.set(page, list);
      page.on('pageerror', (error) => list.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().includes('favicon')) list.push(`console: ${message.text()}`);
      });
      await page.addInitScript(() => {
        localStorage.clear();
        document.addEventListener('securitypolicyviolation', (event) => {
          (window as unknown as { __csp: string[] }).__csp ??= [];
          (window as unknown as { __csp: string[] }).__csp.push(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      await page.goto(`http://127.0.0.1:${port}/?${query}`);
      await page.getByTestId('connection-switcher').waitFor();
      return page;
    },
    async problems(page) {
      const csp = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
      return [...csp.map((v) => `csp: ${v}`), ...(errors.get(page) ?? [])];
    },
    async close() {
      await context.close();
      await new Promise((done) => server.close(done));
      await rm(profile, { recursive: true, force: true });
    },
  };
}
