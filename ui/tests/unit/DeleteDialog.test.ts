import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import DeleteDialog from '../../src/components/DeleteDialog.svelte';
import type { Entry } from '../../src/lib/ipc';
import { FakeBackend } from '../../test-harness/fake-backend';

const KB = 1024;

function setup(permanent = false) {
  const fake = new FakeBackend();
  fake.put('Local vault', 'a.pdf', 100 * KB);
  fake.put('Local vault', 'b.pdf', 20 * KB);
  fake.put('Local vault', 'Old/1.pdf', 1 * KB);
  fake.put('Local vault', 'Old/2.pdf', 2 * KB);
  fake.put('Local vault', 'Old/deep/3.pdf', 3 * KB);
  fake.install();
  const entries: Entry[] = fake.entriesOf('Local vault', '').sort((x, y) => x.key.localeCompare(y.key));
  const onclose = vi.fn();
  const ondeleted = vi.fn();
  render(DeleteDialog, { connection: 'Local vault', entries, permanent, onclose, ondeleted });
  return { fake, onclose, ondeleted };
}

describe('DeleteDialog', () => {
  it('says how many documents, folders, objects and bytes before anything is deleted', async () => {
    const { fake } = setup();
    expect(screen.getByTestId('delete-confirm')).toBeDisabled();
    await waitFor(() => expect(screen.getByTestId('delete-summary')).toHaveTextContent('2 documents and 1 folder — 5 objects, 126 KB'));
    expect(fake.calls.some((c) => c.cmd === 'delete_planned')).toBe(false);
  });

  it('deletes exactly what was counted: a document added meanwhile survives', async () => {
    const { fake, onclose } = setup();
    await waitFor(() => expect(screen.getByTestId('delete-confirm')).toBeEnabled());
    fake.put('Local vault', 'Old/added by a colleague.pdf', 1);
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(fake.keys('Local vault')).toEqual(['Old/added by a colleague.pdf']);
  });

  it('moves to the trash by default, and deletes for good only once the person says they understand', async () => {
    const trashing = setup();
    await waitFor(() => expect(screen.getByTestId('delete-confirm')).toBeEnabled());
    expect(screen.getByTestId('delete-confirm')).toHaveTextContent('Move to trash');
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await waitFor(() => expect(trashing.ondeleted).toHaveBeenCalled());
    expect(trashing.ondeleted.mock.calls[0][1].trashBatch).not.toBeNull();
    expect(trashing.fake.calls.find((c) => c.cmd === 'delete_planned')?.args.permanent).toBe(false);
  });

  it('asks twice before deleting for good', async () => {
    const { fake, ondeleted } = setup(true);
    await waitFor(() => expect(screen.getByTestId('delete-summary')).toHaveTextContent('5 objects'));
    expect(screen.getByTestId('delete-confirm')).toBeDisabled();
    await fireEvent.click(screen.getByTestId('delete-understood'));
    expect(screen.getByTestId('delete-confirm')).toBeEnabled();
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await waitFor(() => expect(ondeleted).toHaveBeenCalled());
    expect(ondeleted.mock.calls[0][1].trashBatch).toBeNull();
    expect(fake.calls.find((c) => c.cmd === 'delete_planned')?.args.permanent).toBe(true);
    expect(fake.trash.get('Local vault') ?? []).toEqual([]);
  });

  it('lets go of the counted list when cancelled', async () => {
    const { fake, onclose } = setup();
    await waitFor(() => expect(screen.getByTestId('delete-confirm')).toBeEnabled());
    await fireEvent.click(screen.getByTestId('delete-cancel'));
    expect(onclose).toHaveBeenCalled();
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === 'discard_plan')).toBe(true));
    expect(fake.plans.size).toBe(0);
  });

  it('deletes on confirm and closes when everything went', async () => {
    const { fake, onclose, ondeleted } = setup();
    await waitFor(() => expect(screen.getByTestId('delete-confirm')).toBeEnabled());
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(fake.keys('Local vault')).toEqual([]);
    expect([...ondeleted.mock.calls[0][0]].sort()).toEqual(['Old/', 'a.pdf', 'b.pdf']);
  });

  it('lists what could not be deleted and stays open', async () => {
    const { fake, onclose, ondeleted } = setup();
    fake.failDeletes.add('Old/deep/3.pdf');
    await waitFor(() => expect(screen.getByTestId('delete-confirm')).toBeEnabled());
    await fireEvent.click(screen.getByTestId('delete-confirm'));
    await waitFor(() => expect(screen.getByTestId('delete-partial')).toBeInTheDocument());
    expect(screen.getByTestId('delete-partial')).toHaveTextContent('Deleted 4 objects. 1 item could not be deleted');
    expect(screen.getByTestId('delete-failure')).toHaveTextContent("Old/deep/3.pdf — The server refused this on 'Old/deep/3.pdf' for 'Local vault'");
    expect(onclose).not.toHaveBeenCalled();
    expect(ondeleted.mock.calls[0][1].deleted.failed).toHaveLength(1);
  });

  it('Cancel deletes nothing', async () => {
    const { fake, onclose } = setup();
    await fireEvent.click(screen.getByTestId('delete-cancel'));
    expect(onclose).toHaveBeenCalled();
    expect(fake.keys('Local vault')).toHaveLength(5);
  });
});
