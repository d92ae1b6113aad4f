/**
 * The built app in headless Chromium, behind the fake backend: drop-to-upload with live refresh,
 * delete with its confirmation and partial failure, the conflict dialog, a 100,000-entry folder,
 * the everyday keyboard and row actions, and switching the language. Every test ends by checking
 * that the page raised no CSP violation and no error. Expected words come from the catalogues in
 * the locale under test (`messages.ts`), so the same suite runs in English and in German.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeBackend, LocalItem } from '../../test-harness/fake-backend';
import { startHarness, type Harness } from './harness';
import { decimalSize, errorMsg, LANGUAGE, matching, msg, msgIn, OTHER, spaced, time } from './messages';

let harness: Harness;
let page: Page;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

afterEach(async () => {
  if (!page) return;
  expect(await harness.problems(page), 'the page must run under the strict CSP without errors').toEqual([]);
  await page.close();
});

async function open(query = '') {
  page = await harness.open(query);
  await page.getByTestId('entry-row').first().waitFor();
  return page;
}

/** A delete summary of one object, whatever it is called and weighs. */
const oneObject = matching('delete.summary', { what: /.+/, objects: 1, size: /.+/ });

const row = (key: string) => page.locator(`[data-testid="entry-row"][data-key="${key}"]`);
const names = () => page.getByTestId('entry-name').allTextContents();

/** Run something against the fake backend inside the page. */
function fake<T>(fn: (fake: FakeBackend, arg: never) => T | Promise<T>, arg?: unknown): Promise<T> {
  return page.evaluate(
    ([source, value]) => new Function('fake', 'arg', `return (${source})(fake, arg)`)(window.__fake, value),
    [fn.toString(), arg] as const,
  ) as Promise<T>;
}

const drop = (items: LocalItem[]) => fake((f, items: LocalItem[]) => f.drop(items), items);
const file = (name: string, size: number): LocalItem => ({ name, files: [{ path: '', size }] });

describe('dropping files', () => {
  it('never overwrites unseen: names taken meanwhile are asked again, same names are numbered, changed documents ask', async () => {
    await open('uploadStepMs=40');
    // A colleague stores "memo.pdf" after the drop was checked and before it was queued.
    await fake((f) => f.takenBeforeUpload.add('memo.pdf'));
    await drop([file('memo.pdf', 100)]);
    await page.getByTestId('conflict-dialog').waitFor();
    expect(await page.getByTestId('conflict-name').textContent()).toBe('memo.pdf');
    await page.getByTestId('conflict-keep-both').click();
    await row('memo (1).pdf').waitFor();

    // Two files of one name in one drop: neither overwrites the other.
    await drop([file('scan.pdf', 10), file('scan.pdf', 20)]);
    await row('scan (1).pdf').waitFor();
    await row('scan.pdf').waitFor();

    // The document changes in the bucket while it uploads: the person decides.
    await fake((f) => f.conflictUploads.add('offer.docx'));
    await drop([file('offer.docx', 500)]);
    const failed = page.locator('[data-testid="transfer-row"][data-key="offer.docx"][data-state="failed"]');
    const group = page.locator('[data-testid="transfer-group"][data-name="offer.docx"]');
    await group.getByTestId('transfer-expand').click();
    await failed.waitFor();
    expect(await failed.getByTestId('transfer-error').textContent()).toBe(errorMsg('changedMeanwhile', { name: 'offer.docx', connection: 'Local vault' }));
    expect(await failed.getByTestId('transfer-retry').count()).toBe(0);
    await failed.getByTestId('transfer-keep-both').click();
    await row('offer (1).docx').waitFor();
  });

  it('shows the drop target, uploads with progress, and the list refreshes by itself', async () => {
    await open('uploadStepMs=120&uploadSteps=5');
    await fake((f) => f.dragOver('over'));
    await expect.poll(() => page.getByTestId('drop-overlay').isVisible()).toBe(true);
    expect(await page.getByTestId('drop-overlay').textContent()).toContain(msg('drop.target', { destination: 'Local vault' }));
    const listingsBefore = await fake((f) => f.listings);

    await fake((f) => f.holdUploads());
    await drop([
      file('new contract.pdf', 300_000),
      file('scan.jpg', 90_000),
      { name: 'Receipts', isFolder: true, files: [1, 2, 3, 4].map((n) => ({ path: `r${n}.pdf`, size: 1000 * n })) },
    ]);
    await expect.poll(() => page.getByTestId('drop-overlay').count()).toBe(0);

    // One summary row per dropped item; the folder's four files are behind its row.
    const groups = page.getByTestId('transfer-group');
    await expect.poll(() => groups.count()).toBe(3);
    await page.locator('[data-testid="transfer-group"][data-state="running"]').first().waitFor();
    expect(await page.getByTestId('transfers-summary').textContent()).toMatch(matching('transfers.bytes', { done: /.+/, total: /.+ KB/ }));
    await fake((f) => f.releaseUploads());

    await expect
      .poll(() => page.locator('[data-testid="transfer-group"][data-state="done"]').count())
      .toBe(3);
    const receipts = page.locator('[data-testid="transfer-group"][data-name="Receipts"]');
    expect(await receipts.getByTestId('transfer-files').textContent()).toBe(msg('transfers.files', { done: 4, total: 4 }));
    await receipts.getByTestId('transfer-expand').click();
    await expect.poll(() => page.locator('[data-testid="transfer-row"][data-state="done"]').count()).toBe(4);
    await expect.poll(() => names()).toEqual(
      expect.arrayContaining(['new contract.pdf', 'scan.jpg', 'Receipts']),
    );
    // No Refresh was pressed: the completions re-listed the folder by themselves.
    const listings = (await fake((f) => f.listings)) - listingsBefore;
    expect(listings, 'completions re-list the folder, at most once each').toBeGreaterThan(0);
    expect(listings).toBeLessThanOrEqual(6);
    expect(await page.getByTestId('item-count').textContent()).toContain(msg('status.items', { count: 14 }));
    // One name, or how many of the six files finished within the second the announcer gathers.
    const uploaded = [matching('transfers.uploadedOne', { name: /.+/ }), ...[2, 3, 4, 5, 6].map((count) => matching('transfers.uploadedMany', { count }))];
    await expect
      .poll(async () => {
        const said = (await page.getByTestId('announcer').textContent()) ?? '';
        return uploaded.some((pattern) => pattern.test(said));
      })
      .toBe(true);
  });

  it('coalesces re-lists when many uploads finish in a burst', async () => {
    await open('uploadStepMs=2&uploadSteps=1');
    const before = await fake((f) => f.listings);
    await drop(Array.from({ length: 200 }, (_, i) => file(`burst-${i}.txt`, 10)));
    await expect.poll(() => page.getByTestId('item-count').textContent()).toBe(msg('status.items', { count: 211 }));
    // 200 groups, drawn only as far as they are in view: the panel is virtualised.
    const drawn = await page.getByTestId('transfer-group').count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(60);
    const listings = (await fake((f) => f.listings)) - before;
    expect(listings, '200 completions must not cause 200 listings').toBeLessThan(40);
  });

  it('shows failed uploads with the engine message and a working Retry', async () => {
    await open('uploadStepMs=30');
    await fake((f) => f.failUploads.set('flaky.pdf', 1));
    await drop([file('flaky.pdf', 5000)]);
    const group = page.locator('[data-testid="transfer-group"][data-name="flaky.pdf"]');
    await expect.poll(() => group.getAttribute('data-state')).toBe('failed');
    expect(await group.getByTestId('transfer-files').textContent()).toBe(msg('transfers.filesFailed', { done: 0, total: 1, failed: 1 }));
    await group.getByTestId('transfer-expand').click();
    const failed = page.locator('[data-testid="transfer-row"][data-state="failed"]');
    await failed.waitFor();
    expect(await failed.getByTestId('transfer-error').textContent()).toBe(
      errorMsg('serverFailed', { connection: 'Local vault', detail: 'connection closed' }),
    );
    await expect.poll(() => page.getByTestId('announcer').textContent()).toContain(msg('transfers.uploadsFailed', { count: 1 }));
    expect(await page.locator('[data-testid="toast"][data-tone="error"]').first().textContent()).toContain(
      msg('transfers.groupFailedToast', { count: 1, name: 'flaky.pdf' }),
    );

    await failed.getByTestId('transfer-retry').click();
    await expect
      .poll(() => page.locator('[data-testid="transfer-row"][data-key="flaky.pdf"]').getAttribute('data-state'))
      .toBe('done');
    await row('flaky.pdf').waitFor();
  });

  it('resumes uploads an earlier session left unfinished, without being asked', async () => {
    await open('unfinished=Reports/left-over.pdf');
    const group = page.locator('[data-testid="transfer-group"][data-name="Unfinished uploads"]');
    await expect.poll(() => group.getAttribute('data-state')).toBe('done');
    await group.getByTestId('transfer-expand').click();
    const resumed = page.locator('[data-testid="transfer-row"][data-key="Reports/left-over.pdf"]');
    await expect.poll(() => resumed.getAttribute('data-state')).toBe('done');
    expect(await resumed.getByTestId('transfer-note').textContent()).toBe(msg('transfers.noteResumed', { count: 2 }));
    expect((await page.getByTestId('toast').allTextContents()).join(' ')).toContain(msg('transfers.resuming', { count: 1 }));
    expect(await fake((f) => f.keys('Local vault'))).toContain('Reports/left-over.pdf');
  });

  it('says so when the transfer journal was damaged and a new one started', async () => {
    await open('journalMovedTo=/home/staff/.local/share/coffer/transfers.sqlite3.damaged-1');
    await expect
      .poll(() => page.locator('[data-testid="toast"][data-tone="error"]').allTextContents())
      .toEqual([expect.stringContaining('transfers.sqlite3.damaged-1')]);
  });

  it('starts and says so when no journal file can be used', async () => {
    await open('journalInMemory=No space left on device');
    await expect
      .poll(() => page.locator('[data-testid="toast"][data-tone="error"]').allTextContents())
      .toEqual([expect.stringContaining(msg('transfers.journalInMemory', { reason: 'No space left on device' }))]);
    await row('report.pdf').waitFor();
  });

  it('says so when the Local vault had to move because another program held its port', async () => {
    await open('vaultMovedFrom=49152');
    await expect
      .poll(() => page.locator('[data-testid="toast"][data-tone="error"]').allTextContents())
      .toEqual([expect.stringContaining(msg('app.vaultMoved', { port: '49152' }))]);
  });

  it('cancels everything with Cancel all', async () => {
    await open('uploadStepMs=400&uploadSteps=20');
    await drop([file('a.bin', 1e6), file('b.bin', 1e6), file('c.bin', 1e6)]);
    await page.locator('[data-testid="transfer-group"][data-state="running"]').first().waitFor();
    await page.getByTestId('transfers-cancel-all').click();
    await expect
      .poll(() => page.locator('[data-testid="transfer-group"][data-state="cancelled"]').count())
      .toBe(3);
    expect(await fake((f) => f.keys('Local vault').filter((k) => k.endsWith('.bin')))).toEqual([]);
  });
});

describe('picking files', () => {
  it('Upload files and Ctrl+U open the picker for the folder shown; Upload folder asks for a folder', async () => {
    await open('uploadStepMs=10');
    await row('HR/').dblclick();
    await row('HR/handbook.pdf').waitFor();
    await fake((f) => (f.nextPick = [{ name: 'policy.pdf', files: [{ path: '', size: 10 }] }]));
    await page.getByTestId('upload-files').click();
    await row('HR/policy.pdf').waitFor();

    await fake((f) => (f.nextPick = null));
    await page.keyboard.press('Control+u');
    await page.getByTestId('upload-folder').click();
    const picks = await fake((f) => f.calls.filter((c) => c.cmd === 'pick_files').map((c) => c.args));
    expect(picks).toEqual([
      { folders: false, connection: 'Local vault', folder: 'HR/' },
      { folders: false, connection: 'Local vault', folder: 'HR/' },
      { folders: true, connection: 'Local vault', folder: 'HR/' },
    ]);
    expect(await page.getByTestId('upload-files').getAttribute('title')).toBe(
      msg('keys.tip', { label: msg('actions.uploadFiles'), shortcut: `${msg('keys.ctrl')}+U` }),
    );
  });
});

describe('deleting', () => {
  it('confirms with counts and size, shows progress, removes rows and lists partial failures', async () => {
    await open('summarizeDelay=150&deleteStep=80');
    await row('report.pdf').click();
    await row('notes.txt').click({ modifiers: ['Control'] });
    await row('Contracts/').click({ modifiers: ['Control'] });
    expect(await page.getByTestId('selected-count').textContent()).toMatch(matching('status.selected', { count: 3, size: /.+/ }));
    await fake((f) => f.failDeletes.add('Contracts/lease.pdf'));

    await page.keyboard.press('Delete');
    const dialog = page.getByTestId('delete-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('delete-confirm').isDisabled(), 'no delete before the count is known').toBe(true);
    await expect
      .poll(() => page.getByTestId('delete-summary').textContent())
      .toContain(msg('delete.summary', { what: msg('delete.documentsAndFolders', { documents: 2, folders: 1 }), objects: 4, size: decimalSize(1.5, 'MB') }));
    await page.getByTestId('delete-confirm').click();
    await page.getByTestId('delete-progress').waitFor();

    await page.getByTestId('delete-partial').waitFor();
    expect(await page.getByTestId('delete-failure').allTextContents()).toEqual([
      `Contracts/lease.pdf — ${errorMsg('accessDenied', { name: 'Contracts/lease.pdf', connection: 'Local vault' })}`,
    ]);
    await page.getByTestId('delete-close').click();
    await expect.poll(() => dialog.count()).toBe(0);

    await expect.poll(() => row('report.pdf').count()).toBe(0);
    expect(await row('notes.txt').count()).toBe(0);
    expect(await row('Contracts/').count(), 'a folder with an undeletable object stays').toBe(1);
    expect(await page.locator('[data-testid="toast"][data-tone="error"]').textContent()).toContain(msg('delete.notDeleted', { count: 1 }));
    expect(await fake((f) => f.keys('Local vault').filter((k) => k.startsWith('Contracts/')))).toEqual(['Contracts/lease.pdf']);
  });

  it('moves to the trash with Undo (and Ctrl+Z), and the Trash restores or empties', async () => {
    await open();
    await row('report.pdf').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('delete-summary').textContent()).toMatch(oneObject);
    await page.getByTestId('delete-confirm').click();
    await row('report.pdf').waitFor({ state: 'detached' });
    const undo = page.locator('[data-testid="toast"]', { hasText: msg('delete.trashed', { count: 1 }) }).getByTestId('toast-action');
    await undo.click();
    await row('report.pdf').waitFor();

    await row('notes.txt').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('delete-summary').textContent()).toMatch(oneObject);
    await page.getByTestId('delete-confirm').click();
    await row('notes.txt').waitFor({ state: 'detached' });
    await page.getByTestId('file-grid').focus();
    await page.keyboard.press('Control+z');
    await row('notes.txt').waitFor();

    // Shift+Delete asks for a second confirmation and skips the trash.
    await row('minutes.docx').click();
    await page.keyboard.press('Shift+Delete');
    await expect.poll(() => page.getByTestId('delete-summary').textContent()).toMatch(oneObject);
    expect(await page.getByTestId('delete-confirm').isDisabled()).toBe(true);
    await page.getByTestId('delete-understood').check();
    await page.getByTestId('delete-confirm').click();
    await row('minutes.docx').waitFor({ state: 'detached' });

    // The Trash: restore one document, empty the rest after a confirmation.
    await row('budget 2024.xlsx').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('delete-summary').textContent()).toMatch(oneObject);
    await page.getByTestId('delete-confirm').click();
    await row('team photo.jpg').click();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.getByTestId('delete-summary').textContent()).toMatch(oneObject);
    await page.getByTestId('delete-confirm').click();
    await row('team photo.jpg').waitFor({ state: 'detached' });
    await page.getByTestId('trash').click();
    const item = (key: string) => page.locator(`[data-testid="trash-item"][data-key="${key}"]`);
    await item('budget 2024.xlsx').waitFor();
    expect(await item('minutes.docx').count(), 'a permanent delete is not in the trash').toBe(0);
    await item('budget 2024.xlsx').getByTestId('trash-restore').click();
    await row('budget 2024.xlsx').waitFor();
    await item('budget 2024.xlsx').waitFor({ state: 'detached' });
    await page.getByTestId('trash-empty-button').click();
    await page.getByTestId('trash-empty-confirm').click();
    await page.getByTestId('trash-empty').waitFor();
    expect(await fake((f) => f.trash.get('Local vault')?.length)).toBe(0);
  });

  it('Cancel and Escape delete nothing', async () => {
    await open();
    await row('report.pdf').click();
    await page.getByTestId('delete').click();
    await page.getByTestId('delete-dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('delete-dialog').count()).toBe(0);
    expect(await row('report.pdf').count()).toBe(1);
    expect(await fake((f) => f.calls.filter((c) => c.cmd === 'delete_planned').length)).toBe(0);
  });
});

describe('conflicts', () => {
  it('asks per name: Replace, Skip, then Keep both for all remaining', async () => {
    await open('uploadStepMs=20');
    await drop([
      file('report.pdf', 999),
      file('minutes.docx', 999),
      file('notes.txt', 999),
      file('budget 2024.xlsx', 999),
      file('fresh.pdf', 999),
    ]);
    const dialog = page.getByTestId('conflict-dialog');
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') != null), 'focus is inside the modal').toBe(true);
    expect(await page.getByTestId('conflict-name').textContent()).toBe('report.pdf');
    expect(await page.getByTestId('conflict-position').textContent()).toBe(msg('conflict.position', { position: 1, count: 4 }));
    await page.getByTestId('conflict-replace').click();

    await expect.poll(() => page.getByTestId('conflict-name').textContent()).toBe('minutes.docx');
    await page.getByTestId('conflict-skip').click();

    await expect.poll(() => page.getByTestId('conflict-name').textContent()).toBe('notes.txt');
    expect(await page.getByTestId('conflict-keep-both').textContent()).toContain('notes (1).txt');
    await page.getByTestId('conflict-apply-all').check();
    await page.getByTestId('conflict-keep-both').click();
    await expect.poll(() => dialog.count(), { message: 'no more questions after "for all"' }).toBe(0);

    await expect
      .poll(() => page.locator('[data-testid="transfer-group"][data-state="done"]').count())
      .toBe(4);
    const call = await fake((f) => f.calls.find((c) => c.cmd === 'upload_selection')!.args.choices);
    expect(call).toEqual({ 'report.pdf': 'replace', 'minutes.docx': 'skip', 'notes.txt': 'keepBoth', 'budget 2024.xlsx': 'keepBoth' });
    await expect.poll(() => names()).toEqual(
      expect.arrayContaining(['notes (1).txt', 'budget 2024 (1).xlsx', 'fresh.pdf']),
    );
    expect(await names()).not.toContain('minutes (1).docx');
    expect(await fake((f) => f.buckets.get('Local vault')!.get('report.pdf')!.size), 'replaced').toBe(999);
    expect(await fake((f) => f.buckets.get('Local vault')!.get('minutes.docx')!.size), 'skipped').not.toBe(999);
  });

  it('Escape cancels the upload: nothing is sent', async () => {
    await open();
    await drop([file('report.pdf', 1), file('other.pdf', 1)]);
    await page.getByTestId('conflict-dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('conflict-dialog').count()).toBe(0);
    expect(await page.getByTestId('toast').first().textContent()).toContain(msg('transfers.cancelled'));
    expect(await fake((f) => f.calls.some((c) => c.cmd === 'upload_selection'))).toBe(false);
  });
});

describe('a folder of 100,000 entries', () => {
  it('shows its rows as they stream in, keeps the DOM small, and scrolls to the last entry', async () => {
    page = await harness.open('scenario=big&pageDelay=5');
    // How fast the first rows come is the window benchmark's business, not a test's.
    await page.getByTestId('entry-row').first().waitFor();
    await expect
      .poll(() => page.getByTestId('item-count').textContent())
      .toBe(msg('status.items', { count: 100_001 }));
    expect(await page.getByTestId('entry-row').first().getAttribute('data-key'), 'the folder, listed last, sorts first').toBe('Archive/');
    const grid = page.getByTestId('file-grid');
    expect(await grid.getAttribute('aria-rowcount')).toBe('100002');
    const rendered = await page.getByTestId('entry-row').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered, 'only the rows in view are in the DOM').toBeLessThan(100);

    await page.getByTestId('grid-scroller').evaluate((el) => (el.scrollTop = el.scrollHeight));
    const last = row('doc-099999.pdf');
    await last.waitFor();
    expect(await last.isVisible()).toBe(true);
    expect(await last.getAttribute('aria-rowindex')).toBe('100002');
    expect(await page.getByTestId('entry-row').count()).toBeLessThan(100);

    // And by keyboard: Home goes back to the top and focuses the first row.
    await grid.focus();
    await page.keyboard.press('Home');
    await row('Archive/').waitFor();
    const active = await grid.getAttribute('aria-activedescendant');
    expect(await page.locator(`#${active}`).getAttribute('data-key')).toBe('Archive/');
  });

  it('filters and re-sorts 100,000 rows', async () => {
    page = await harness.open('scenario=big');
    await expect
      .poll(() => page.getByTestId('item-count').textContent())
      .toBe(msg('status.items', { count: 100_001 }));
    await page.getByTestId('sort-name').click();
    await row('doc-099999.pdf').waitFor();
    await page.getByTestId('filter').fill('doc-04242');
    await expect.poll(() => names()).toEqual(Array.from({ length: 10 }, (_, i) => `doc-04242${9 - i}.pdf`));
    expect(await page.locator('[role="columnheader"][aria-sort="descending"]').textContent()).toContain(msg('table.name'));
  });
});

describe('browsing and row actions', () => {
  it("shows colleagues' changes by themselves, keeping the selection", async () => {
    await open('pollMs=250');
    await row('notes.txt').click();
    await page.getByTestId('updated-at').waitFor();
    await fake((f) => {
      f.put('Local vault', 'from colleague.pdf', 4096);
      f.buckets.get('Local vault')!.get('from colleague.pdf')!.uploadedBy = 'Bob Colleague';
      f.buckets.get('Local vault')!.delete('minutes.docx');
    });
    await page.locator('[data-testid="entry-row"][data-key="from colleague.pdf"][data-mark="new"]').waitFor();
    await row('minutes.docx').waitFor({ state: 'detached' });
    expect(await row('notes.txt').getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => row('from colleague.pdf').getByTestId('entry-added-by').textContent()).toContain('Bob Colleague');
  });

  it('opens folders with double-click and Enter, goes up with Backspace, and sorts by column', async () => {
    await open();
    await row('Invoices/').dblclick();
    await row('Invoices/2024/').waitFor();
    expect(await page.getByTestId('crumb-current').textContent()).toBe('Invoices');
    await page.getByTestId('file-grid').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await row('Invoices/2024/invoice-001.pdf').waitFor();
    await page.keyboard.press('Enter');
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').map((c) => c.args.key))).toEqual([
      'Invoices/2024/invoice-001.pdf',
    ]);
    await page.keyboard.press('Backspace');
    await row('Invoices/2023/').waitFor();
    await page.keyboard.press('Alt+ArrowUp');
    await row('report.pdf').waitFor();

    await page.getByTestId('sort-size').click();
    await page.getByTestId('sort-size').click();
    const sorted = await names();
    expect(sorted.slice(0, 3), 'folders stay first').toEqual(['Contracts', 'HR', 'Invoices']);
    expect(sorted[3], 'then the largest document').toBe('old projects.zip');
    expect(await page.locator('[role="columnheader"][aria-sort="descending"]').textContent()).toContain(msg('table.size'));
  });

  it('selects with Shift-click, Space and Shift+arrows, and Ctrl+A', async () => {
    await open();
    const selected = () => page.locator('[data-testid="entry-row"][aria-selected="true"]').count();
    await row('Contracts/').click();
    await row('budget 2024.xlsx').click({ modifiers: ['Shift'] });
    expect(await selected()).toBe(4);
    await page.keyboard.press('Shift+ArrowDown');
    expect(await selected()).toBe(5);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Space');
    expect(await selected()).toBe(6);
    await page.keyboard.press('Control+a');
    expect(await selected()).toBe(11);
    await page.keyboard.press('Escape');
    expect(await selected()).toBe(0);
  });

  it('asks before opening a program, and shows hidden characters in names', async () => {
    await open();
    await fake((f) => {
      f.put('Local vault', 'invoice\u202Efdp.exe', 2048);
      f.put('Local vault', 'setup.exe', 4096);
    });
    await page.getByTestId('refresh').click();
    await row('setup.exe').waitFor();
    expect(await names()).toContain('invoice⟦U+202E⟧fdp.exe');

    const opened = () => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').map((c) => c.args.confirmed));
    await row('setup.exe').dblclick();
    await page.getByTestId('open-risk-dialog').waitFor();
    await page.getByTestId('open-risk-cancel').click();
    await expect.poll(() => page.getByTestId('open-risk-dialog').count()).toBe(0);
    expect(await opened(), 'nothing was opened').toEqual([]);

    await row('setup.exe').dblclick();
    await page.getByTestId('open-risk-save').click();
    await expect
      .poll(() => page.getByTestId('toast').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringMatching(matching('download.saved', { name: 'setup.exe', path: /.+/ }))]));
    expect(await opened(), 'saving is not opening').toEqual([]);

    await row('setup.exe').dblclick();
    await page.getByTestId('open-risk-open').click();
    await expect.poll(() => opened()).toEqual([true]);
  });

  it('copies a share link with the chosen expiry and downloads from the context menu', async () => {
    await open();
    await row('report.pdf').click({ button: 'right' });
    await page.getByTestId('context-menu').waitFor();
    await page.getByTestId('menu-share').click();
    await page.getByTestId('share-dialog').waitFor();
    await page.getByTestId('share-expiry-604800').check();
    await page.getByTestId('share-copy').click();
    await page.getByTestId('share-url').waitFor();
    expect(await page.getByTestId('share-url').inputValue()).toBe('https://share.example.test/report.pdf?expires=604800');
    await page.getByTestId('share-close').click();

    await row('report.pdf').click({ button: 'right' });
    await page.getByTestId('menu-download').click();
    await expect
      .poll(() => page.getByTestId('toast').allTextContents())
      .toEqual(
        expect.arrayContaining([expect.stringContaining(msg('download.saved', { name: 'report.pdf', path: '/home/staff/Downloads/report.pdf' }))]),
      );
  });

  it('shows a banner when a connection is unreachable, and Retry recovers', async () => {
    await open();
    await page.getByTestId('connection-switcher').selectOption('Branch office');
    const banner = page.getByTestId('unreachable-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(msg('app.unreachable', { name: 'Branch office' }));
    await fake((f) => {
      f.unreachable.delete('Branch office');
      f.put('Branch office', 'branch memo.pdf', 10);
    });
    await page.getByTestId('unreachable-retry').click();
    await row('branch memo.pdf').waitFor();
    expect(await banner.count()).toBe(0);
  });

  it('warns for as long as an unencrypted connection is in use', async () => {
    await open();
    await page.getByTestId('connection-switcher').selectOption('Office NAS');
    const banner = page.getByTestId('unencrypted-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(msg('app.unencrypted', { name: 'Office NAS' }));
    await page.getByTestId('connection-switcher').selectOption('Local vault');
    await banner.waitFor({ state: 'detached' });
  });

  it("records the person's name for uploads, and says how each server guards overwrites", async () => {
    await open();
    await page.getByTestId('connections-button').click();
    expect(await page.getByTestId('display-name').getAttribute('placeholder')).toBe('Office User');
    await page.getByTestId('display-name').fill('Alice Martin');
    await page.getByTestId('display-name-save').click();
    await expect
      .poll(() => page.getByTestId('toast').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining(msg('name.saved', { name: 'Alice Martin' }))]));
    expect(await fake((f) => f.displayName)).toBe('Alice Martin');
    const vault = page.locator('[data-testid="connection-item"][data-name="Local vault"]');
    expect(await vault.getByTestId('connection-guard').textContent()).toBe(msg('connections.guardEnforced'));
    await page.getByTestId('connections-close').click();
    expect(await page.getByTestId('guard-note').count()).toBe(0);
  });

  it("shows a colleague's edit lock, and Open offers a read-only copy or to open anyway", async () => {
    await open('pollMs=250');
    // Made in the page's time zone, and read back in it: the same local 10:32 on either side.
    await fake((f) => f.lock('Local vault', 'minutes.docx', 'Alice Martin', new Date(2026, 10, 29, 10, 32).getTime()));
    const since = time(new Date(2026, 10, 29, 10, 32));
    await expect
      .poll(async () => spaced(await row('minutes.docx').getByTestId('entry-lock').textContent()))
      .toBe(spaced(msg('editing.lockedBy', { name: 'Alice Martin', time: since })));

    await row('minutes.docx').dblclick();
    await expect
      .poll(async () => spaced(await page.getByTestId('locked-text').textContent()))
      .toBe(spaced(msg('locked.text', { name: 'minutes.docx', by: 'Alice Martin', time: since })));
    await page.getByTestId('locked-read-only').click();
    await page.getByTestId('locked-dialog').waitFor({ state: 'detached' });
    const modes = () => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').map((c) => c.args.mode));
    await expect.poll(modes).toEqual(['edit', 'readOnly']);
    expect(await row('minutes.docx').getByTestId('entry-edit').count(), 'a read-only copy is not edited').toBe(0);

    await row('minutes.docx').dblclick();
    await page.getByTestId('locked-anyway').click();
    await expect.poll(modes).toEqual(['edit', 'readOnly', 'edit', 'anyway']);
    await expect.poll(() => row('minutes.docx').getByTestId('entry-edit').getAttribute('data-state')).toBe('editing');
  });

  it('shows each save of a document being edited, tells of a conflicted copy, and asks before quitting with edits pending', async () => {
    await open();
    await row('notes.txt').dblclick();
    const badge = row('notes.txt').getByTestId('entry-edit');
    await expect.poll(() => badge.textContent()).toBe(msg('editing.editing'));
    await fake((f) => f.editState('Local vault', 'notes.txt', { state: 'saving' }));
    await expect.poll(() => badge.textContent()).toBe(msg('editing.saving'));
    await fake((f) => f.editState('Local vault', 'notes.txt', { state: 'saved', atMs: new Date(2026, 10, 29, 14, 5).getTime() }));
    await expect
      .poll(async () => spaced(await badge.textContent()))
      .toBe(spaced(msg('editing.saved', { time: time(new Date(2026, 10, 29, 14, 5)) })));

    await fake((f) => f.editState('Local vault', 'notes.txt', { state: 'conflict', copy: 'notes (conflicted copy, Office User, 2026-11-29).txt' }));
    await expect
      .poll(() => page.locator('[data-testid="toast"][data-tone="error"]').allTextContents())
      .toEqual([expect.stringContaining(msg('editing.conflictNotice', { name: 'notes.txt', copy: 'notes (conflicted copy, Office User, 2026-11-29).txt' }))]);
    expect(await badge.getAttribute('data-state')).toBe('conflict');

    // Closing the window with a save not yet in the bucket asks first.
    await fake((f) => f.editState('Local vault', 'notes.txt', { state: 'editing' }, true));
    await fake((f) => f.closeWindow());
    await expect.poll(() => page.getByTestId('quit-pending').textContent()).toContain('notes.txt');
    await page.getByTestId('quit-keep-open').click();
    await page.getByTestId('quit-dialog').waitFor({ state: 'detached' });
    expect(await fake((f) => f.quitAsked)).toBe(false);
    await fake((f) => f.closeWindow());
    await page.getByTestId('quit-anyway').click();
    await expect.poll(() => fake((f) => f.quitAsked)).toBe(true);

    // Done editing, from the context menu or Ctrl+Shift+D.
    await row('notes.txt').click({ button: 'right' });
    await page.getByRole('menuitem', { name: msg('actions.doneEditing') }).click();
    await badge.waitFor({ state: 'detached' });
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'finish_editing').length)).toBe(1);
  });

  it('cleans up abandoned uploads from the Connections panel', async () => {
    await open();
    await fake((f) => f.abandoned.push('big/scan.tiff', 'old.iso'));
    await page.getByTestId('connections-button').click();
    await page.locator('[data-testid="connection-item"][data-name="Office S3"]').getByTestId('connection-cleanup').click();
    await expect
      .poll(() => page.getByTestId('toast').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining(msg('connections.cleanUpRemoved', { count: 2, name: 'Office S3' }))]));
    expect(await fake((f) => f.calls.find((c) => c.cmd === 'clean_up')?.args.connection)).toBe('Office S3');
  });

  it('adds a connection from the Connections panel and switches to it', async () => {
    await open();
    await page.getByTestId('connections-button').click();
    await page.getByTestId('connections-dialog').waitFor();
    expect(await page.locator('[data-testid="connection-item"][data-name="Local vault"]').textContent()).toContain(msg('connections.builtIn'));
    await page.getByTestId('connection-add').click();
    await page.getByTestId('connection-name').fill('Garage');
    await page.getByTestId('connection-endpoint').fill('http://127.0.0.1:3900');
    await page.getByTestId('connection-region').fill('garage');
    await page.getByTestId('connection-bucket').fill('docs');
    await page.getByTestId('connection-access-key-id').fill('GK1');
    await page.getByTestId('connection-secret').fill('s3cret');
    await page.getByTestId('connection-test').click();
    await expect.poll(() => page.getByTestId('connection-test-result').textContent()).toBe(msg('connections.readWrite'));
    await page.getByTestId('connection-save').click();
    await page.locator('[data-testid="connection-item"][data-name="Garage"]').waitFor();
    await page.getByTestId('connections-close').click();
    await page.getByTestId('connection-switcher').selectOption('Garage');
    await page.locator('[data-testid="empty-state"][data-reason="empty"]').waitFor();
    expect(await fake((f) => f.secrets.get('Garage'))).toEqual({ accessKeyId: 'GK1', secret: 's3cret' });
  });
});

describe('organising', () => {
  const keys = () => fake((f) => f.keys('Local vault').sort());
  const dragTo = async (from: string, target: import('playwright-core').Locator, modifiers: string[] = []) => {
    const start = (await row(from).boundingBox())!;
    const end = (await target.boundingBox())!;
    await page.mouse.move(start.x + 60, start.y + start.height / 2);
    await page.mouse.down();
    // Several steps, as a hand would: the drag starts once the pointer has moved a few pixels.
    await page.mouse.move(start.x + 70, start.y + start.height / 2 + 8, { steps: 3 });
    for (const key of modifiers) await page.keyboard.down(key);
    await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 8 });
    await page.getByTestId('drag-chip').waitFor();
    await page.mouse.up();
    for (const key of modifiers) await page.keyboard.up(key);
  };

  it('creates folders with Ctrl+Shift+N, refusing a taken name, and renames with F2', async () => {
    await open();
    await page.getByTestId('file-grid').focus();
    await page.keyboard.press('Control+Shift+N');
    const input = page.getByTestId('name-input');
    expect(await input.inputValue()).toBe(msg('organise.newFolderName'));
    await input.fill('Invoices');
    await expect.poll(() => page.getByTestId('name-problem').textContent()).toBe(msg('organise.nameTaken', { name: 'Invoices' }));
    expect(await page.getByTestId('name-submit').isDisabled()).toBe(true);
    await input.fill('Projects 2026');
    await page.keyboard.press('Enter');
    await row('Projects 2026/').waitFor();
    await expect.poll(() => row('Projects 2026/').getAttribute('aria-selected')).toBe('true');
    expect(await keys()).toContain('Projects 2026/.coffer-folder');

    // F2 selects the name without its extension, so typing replaces just that.
    await row('report.pdf').click();
    await page.keyboard.press('F2');
    expect(await input.inputValue()).toBe('report.pdf');
    expect(await input.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, 6]);
    await page.keyboard.type('annual report');
    await page.keyboard.press('Enter');
    await row('annual report.pdf').waitFor();
    await row('report.pdf').waitFor({ state: 'detached' });
    expect(await keys()).not.toContain('report.pdf');

    // A folder is renamed with everything in it.
    await row('HR/').click();
    await page.keyboard.press('F2');
    await input.fill('People');
    await page.keyboard.press('Enter');
    await row('People/').waitFor();
    expect(await keys()).toContain('People/handbook.pdf');
  });

  it('moves with Ctrl+X / Ctrl+V and copies with Ctrl+C / Ctrl+V, asking about taken names', async () => {
    await open();
    await row('notes.txt').click();
    await page.keyboard.press('Control+x');
    await row('Contracts/').dblclick();
    await row('Contracts/lease.pdf').waitFor();
    await page.keyboard.press('Control+v');
    await row('Contracts/notes.txt').waitFor();
    expect(await keys()).not.toContain('notes.txt');

    // Copying lease.pdf into a folder that has one asks; Keep both stores it beside.
    await fake((f) => f.put('Local vault', 'HR/lease.pdf', 10));
    await row('Contracts/lease.pdf').click();
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Alt+ArrowUp');
    await row('HR/').dblclick();
    await row('HR/lease.pdf').waitFor();
    await page.keyboard.press('Control+v');
    await page.getByTestId('move-conflicts').waitFor();
    await page.getByTestId('move-keep-both').click();
    await row('HR/lease (1).pdf').waitFor();
    expect(await keys()).toEqual(expect.arrayContaining(['Contracts/lease.pdf', 'HR/lease.pdf', 'HR/lease (1).pdf']));
    await expect.poll(() => page.getByTestId('toast').allTextContents()).toContainEqual(expect.stringContaining(msg('organise.copied', { count: 1, where: 'HR' })));
  });

  it('moves rows dragged onto a folder row or a breadcrumb, and copies with Ctrl held', async () => {
    await open();
    await dragTo('minutes.docx', row('HR/'));
    await row('minutes.docx').waitFor({ state: 'detached' });
    expect(await keys()).toContain('HR/minutes.docx');

    await row('budget 2024.xlsx').click();
    await row('notes.txt').click({ modifiers: ['Control'] });
    await dragTo('notes.txt', row('Contracts/'), ['Control']);
    await expect.poll(keys).toEqual(expect.arrayContaining(['Contracts/budget 2024.xlsx', 'Contracts/notes.txt', 'notes.txt']));

    await row('Invoices/').dblclick();
    await row('Invoices/2024/').dblclick();
    await row('Invoices/2024/invoice-001.pdf').waitFor();
    await dragTo('Invoices/2024/invoice-001.pdf', page.getByTestId('crumb').first());
    await row('Invoices/2024/invoice-001.pdf').waitFor({ state: 'detached' });
    expect(await keys()).toContain('invoice-001.pdf');
  });

  it('shows a move in progress and stops it on Cancel, leaving the rest where it was', async () => {
    await open();
    await fake((f) => f.holdMoves());
    await row('Invoices/').click();
    await page.keyboard.press('Control+x');
    await row('Contracts/').dblclick();
    await row('Contracts/lease.pdf').waitFor();
    await page.keyboard.press('Control+v');
    await page.getByTestId('move-progress').waitFor();
    await page.getByTestId('move-stop').click();
    await page.getByTestId('move-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('toast').allTextContents()).toContainEqual(expect.stringContaining(msg('organise.stopped')));
    const all = await keys();
    expect(all.filter((k) => k.startsWith('Contracts/Invoices/')).length + all.filter((k) => k.startsWith('Invoices/')).length).toBe(3);
    expect(all.filter((k) => k.startsWith('Contracts/Invoices/')).length).toBe(1);
  });
});

describe('downloading many', () => {
  const local = () => fake((f) => [...f.local.entries()].sort());
  const download = () => page.getByTestId('download-row').first();

  it('downloads a selection and a folder into a picked folder, asking about files already there', async () => {
    await open();
    await fake((f) => f.local.set('/home/staff/Downloads/report.pdf', 7));
    await row('report.pdf').click();
    await row('Invoices/').click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+s');
    await page.getByTestId('download-conflicts').waitFor();
    expect(await page.getByTestId('download-conflicts-text').textContent()).toBe(
      msg('downloads.conflicts', { count: 1, folder: '/home/staff/Downloads' }),
    );
    await page.getByTestId('download-conflicts-keep-both').click();
    await expect.poll(() => download().getAttribute('data-state')).toBe('done');
    expect(await page.getByTestId('download-title').first().textContent()).toBe(msg('downloads.title', { count: 4, folder: 'Downloads' }));
    const status = await page.getByTestId('download-status').first().textContent();
    expect(status).toContain(msg('downloads.renamed', { count: 1 }));
    expect(status).toContain(msg('downloads.verified', { count: 4, done: 4 }));
    expect((await local()).map(([path]) => path)).toEqual([
      '/home/staff/Downloads/Invoices/2023/invoice-099.pdf',
      '/home/staff/Downloads/Invoices/2024/invoice-001.pdf',
      '/home/staff/Downloads/Invoices/2024/invoice-002.pdf',
      '/home/staff/Downloads/report (1).pdf',
      '/home/staff/Downloads/report.pdf',
    ]);
    expect(Object.fromEntries(await local())['/home/staff/Downloads/report.pdf'], 'the file already there is kept').toBe(7);
    await page.getByTestId('download-show-folder').click();
    await expect.poll(() => fake((f) => f.shownFolders)).toEqual(['/home/staff/Downloads']);
    await page.getByTestId('download-dismiss').click();
    await page.getByTestId('download-row').waitFor({ state: 'detached' });
  });

  it('downloads nothing when the folder picker is cancelled, and Cancel stops a running download', async () => {
    await open();
    await fake((f) => (f.nextFolder = null));
    await row('Invoices/').click();
    await page.keyboard.press('Control+s');
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'plan_download').length)).toBe(1);
    expect(await page.getByTestId('download-row').count()).toBe(0);

    await fake((f) => {
      f.nextFolder = '/home/staff/Desktop';
      f.holdDownloads();
    });
    await row('Invoices/').click({ button: 'right' });
    await page.getByTestId('menu-download').click();
    await expect.poll(() => download().getAttribute('data-state')).toBe('running');
    await page.getByTestId('download-cancel').click();
    await expect.poll(() => download().getAttribute('data-state')).toBe('cancelled');
    expect((await local()).length, 'only the document before the cancel was saved').toBe(1);
  });

  it('shows a large document being opened in Transfers until it is open', async () => {
    await open();
    await fake((f) => f.holdOpens());
    await row('old projects.zip').dblclick();
    await expect.poll(() => page.getByTestId('download-title').first().textContent()).toBe(msg('downloads.opening', { name: 'old projects.zip' }));
    expect(await download().getAttribute('data-state')).toBe('running');
    await fake((f) => f.releaseOpens());
    await page.getByTestId('download-row').waitFor({ state: 'detached' });
    // A small document opens without a row.
    await row('notes.txt').dblclick();
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').length)).toBe(2);
    expect(await page.getByTestId('download-row').count()).toBe(0);
  });

  it('lists the documents that failed, with the reason, beside those saved', async () => {
    await open();
    await fake((f) => f.failDownloads.add('Invoices/2024/invoice-002.pdf'));
    await row('Invoices/').click();
    await page.keyboard.press('Control+s');
    await expect.poll(() => download().getAttribute('data-state')).toBe('partial');
    expect(await page.getByTestId('download-failures').textContent()).toContain(errorMsg('downloadInterrupted', { name: 'Invoices/2024/invoice-002.pdf' }));
    expect(await page.getByTestId('download-status').first().textContent()).toContain(msg('downloads.failed', { count: 1 }));
  });
});

describe('searching the whole bucket', () => {
  const hits = () => page.getByTestId('search-hit').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));

  it('finds documents in any folder with Ctrl+F, filters them, opens one and shows another in its folder', async () => {
    await open();
    await page.getByTestId('file-grid').focus();
    await page.keyboard.press('Control+f');
    await page.getByTestId('search-panel').waitFor();
    await page.getByTestId('search-input').fill('invoice');
    await expect.poll(hits).toEqual(['Invoices/2024/invoice-001.pdf', 'Invoices/2024/invoice-002.pdf', 'Invoices/2023/invoice-099.pdf']);
    expect(await page.getByTestId('search-hit-folder').first().textContent()).toBe('Invoices › 2024');
    await expect.poll(() => page.getByTestId('search-status').textContent()).toBe(msg('search.found', { count: 3 }));

    await page.getByTestId('search-input').fill('');
    await page.getByTestId('search-kind').selectOption('spreadsheet');
    await expect.poll(hits).toEqual(['budget 2024.xlsx']);
    await page.getByTestId('search-kind').selectOption('');
    await page.getByTestId('search-size').selectOption('large');
    await expect.poll(hits).toEqual([]);
    await expect.poll(() => page.getByTestId('search-status').textContent()).toBe(msg('search.noMatch'));
    await page.getByTestId('search-size').selectOption('');

    // Enter opens the active result; the arrows move it.
    await page.getByTestId('search-input').fill('pdf');
    await expect.poll(async () => (await hits()).length).toBeGreaterThan(2);
    const second = (await hits())[1];
    await page.getByTestId('search-input').press('ArrowDown');
    await page.getByTestId('search-input').press('Enter');
    await page.getByTestId('search-panel').waitFor({ state: 'detached' });
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').map((c) => c.args.key))).toEqual([second]);

    // Ctrl+K opens it too; Alt+Enter goes to the document's folder with it selected.
    await page.keyboard.press('Control+k');
    await page.getByTestId('search-input').fill('lease');
    await expect.poll(hits).toEqual(['Contracts/lease.pdf']);
    await page.getByTestId('search-input').press('Alt+Enter');
    await row('Contracts/lease.pdf').waitFor();
    expect(await page.getByTestId('crumb-current').textContent()).toBe('Contracts');
    await expect.poll(() => row('Contracts/lease.pdf').getAttribute('aria-selected')).toBe('true');
  });

  it('says when the index is still being built, and finds what was just moved', async () => {
    await open();
    await fake((f) => (f.indexing = 4));
    const indexed = await fake((f) => f.keys('Local vault').length - f.indexing!);
    await page.getByTestId('search').click();
    await page.getByTestId('search-input').fill('handbook');
    await expect.poll(hits).toEqual(['HR/handbook.pdf']);
    await expect
      .poll(() => page.getByTestId('search-status').textContent())
      .toBe(msg('search.indexing', { status: msg('search.found', { count: 1 }), indexed }));
    await page.getByTestId('search-reveal').click();
    await row('HR/handbook.pdf').waitFor();
    await page.keyboard.press('Control+x');
    await page.keyboard.press('Alt+ArrowUp');
    await row('Contracts/').dblclick();
    await row('Contracts/lease.pdf').waitFor();
    await page.keyboard.press('Control+v');
    await row('Contracts/handbook.pdf').waitFor();
    await page.keyboard.press('Control+f');
    await page.getByTestId('search-input').fill('handbook');
    await expect.poll(hits).toEqual(['Contracts/handbook.pdf']);
    await page.keyboard.press('Escape');
    await page.getByTestId('search-panel').waitFor({ state: 'detached' });
  });
});

describe('preview and details', () => {
  it('previews text, CSV, Markdown, a PDF and an image beside the list, following the arrow keys, with details', async () => {
    await open('scenario=previews');
    await row('Previews/').dblclick();
    await row('Previews/agenda.txt').click();
    await page.keyboard.press('Alt+p');
    await page.getByTestId('preview-panel').waitFor();
    await expect.poll(() => page.getByTestId('preview-text').textContent()).toContain('2. Hiring');
    await expect.poll(() => page.getByTestId('details-checksum').textContent()).toMatch(/^CRC32C /);
    expect(await page.getByTestId('details-links').textContent()).toBe(msg('preview.noLinks'));

    // The arrows move the grid's focus; the panel follows.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('preview-title').textContent()).toBe('figures.csv');
    await expect.poll(() => page.getByTestId('preview-csv').locator('td').allTextContents()).toEqual(['North', '120', 'South, coast', '95']);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('preview-title').textContent()).toBe('logo.png');
    await expect.poll(() => page.getByTestId('preview-image').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('preview-pdf-pages').textContent()).toBe(msg('pdf.pages', { count: 1 }));
    await expect.poll(() => page.locator('[data-testid="preview-pdf"] canvas[data-drawn="yes"]').count()).toBe(1);
    expect(await fake((f) => f.reads.filter((r) => r.key === 'Previews/one page.pdf').length)).toBeGreaterThan(0);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('preview-markdown').innerHTML()).toContain('<h1>Team notes</h1>');
    expect(await page.getByTestId('preview-markdown').innerHTML()).not.toContain('script');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();

    // A type it cannot show: details and Open.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('preview-none').textContent()).toBe(msg('preview.none'));
    await page.getByTestId('preview-open').click();
    await expect.poll(() => fake((f) => f.calls.filter((c) => c.cmd === 'open_document').map((c) => c.args.key))).toEqual(['Previews/site plan.vsdx']);

    // A share link made here is listed with its expiry.
    await row('Previews/agenda.txt').click();
    await page.getByTestId('share').click();
    await page.getByTestId('share-copy').click();
    await page.getByTestId('share-close').click();
    await row('Previews/figures.csv').click();
    await row('Previews/agenda.txt').click();
    await expect.poll(() => page.getByTestId('details-links').textContent()).toMatch(matching('preview.link', { made: /.+/, expires: /.+/ }));

    await page.keyboard.press('Alt+p');
    await page.getByTestId('preview-panel').waitFor({ state: 'detached' });
  });
});

describe('language', () => {
  it('starts in the system’s language, switches at once from the Connections dialog, keeps the other settings, and starts in the choice next time', async () => {
    await open();
    const upload = () => page.getByTestId('upload-files').textContent();
    const lang = () => page.evaluate(() => document.documentElement.lang);
    expect(await upload(), 'Chromium’s locale is the system’s').toBe(msg('actions.uploadFiles'));
    expect(await lang()).toBe(LANGUAGE);
    await fake((f) => (f.displayName = 'Alice Martin'));

    await page.getByTestId('connections-button').click();
    const choice = page.getByTestId('language');
    await expect.poll(() => page.getByTestId('display-name').inputValue()).toBe('Alice Martin');
    expect(await choice.inputValue(), 'nothing chosen: the system decides').toBe('');
    await choice.selectOption(OTHER);
    // No reload: what is on screen re-words itself, counts included.
    await expect.poll(upload).toBe(msgIn(OTHER, 'actions.uploadFiles'));
    expect(await page.getByTestId('connections-dialog').locator('h2').textContent()).toBe(msgIn(OTHER, 'connections.title'));
    expect(await page.getByTestId('item-count').textContent()).toBe(msgIn(OTHER, 'status.items', { count: 11 }));
    expect(await lang()).toBe(OTHER);
    await expect.poll(() => fake((f) => f.language)).toBe(OTHER);
    expect(await fake((f) => f.displayName), 'saving the language keeps the name').toBe('Alice Martin');
    expect(await harness.problems(page)).toEqual([]);
    await page.close();

    // The next start reads the saved choice before it shows anything.
    page = await harness.open(`language=${OTHER}`);
    expect(await upload()).toBe(msgIn(OTHER, 'actions.uploadFiles'));
    await page.getByTestId('connections-button').click();
    expect(await page.getByTestId('language').inputValue()).toBe(OTHER);
    await page.getByTestId('language').selectOption('');
    await expect.poll(upload).toBe(msg('actions.uploadFiles'));
    await expect.poll(() => fake((f) => f.language)).toBeNull();
  });
});
