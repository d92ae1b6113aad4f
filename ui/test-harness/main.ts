/**
 * The test harness page: installs the in-memory fake backend in place of Tauri's IPC, seeds it from
 * the URL (`?scenario=office|big|empty`, timing knobs, a saved `language`), exposes it as
 * `window.__fake` for the tests to drive, then starts the real app. Built into `dist-test/` only.
 */
import { FakeBackend } from './fake-backend';
import { seed, type Scenario } from './scenarios';

const params = new URLSearchParams(location.search);
const fake = new FakeBackend();
const number = (name: string, fallback: number) => Number(params.get(name) ?? fallback);
fake.options = {
  pageSize: number('pageSize', 1000),
  pageDelayMs: number('pageDelay', 0),
  uploadSteps: number('uploadSteps', 4),
  uploadStepMs: number('uploadStepMs', 60),
  summarizeDelayMs: number('summarizeDelay', 0),
  deleteStepMs: number('deleteStep', 0),
};
seed(fake, (params.get('scenario') ?? 'office') as Scenario);
for (const key of (params.get('unfinished') ?? '').split(',').filter(Boolean)) {
  fake.unfinished.push({ connection: 'Local vault', key, size: 4096 });
}
fake.journalMovedTo = params.get('journalMovedTo');
// The language saved in the settings (absent: the page follows the browser's, as the app follows the system's).
fake.language = params.get('language');
fake.journalInMemory = params.get('journalInMemory');
if (params.has('vaultMovedFrom')) fake.connections[0].movedFromPort = Number(params.get('vaultMovedFrom'));
fake.install();

declare global {
  interface Window {
    __fake: FakeBackend;
  }
}
window.__fake = fake;

await import('../src/main');
