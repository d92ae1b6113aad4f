import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import LanguageSetting from '../../src/components/LanguageSetting.svelte';
import { language, setLanguage, t } from '../../src/lib/i18n.svelte';
import { SettingsState } from '../../src/lib/state/settings.svelte';
import { Toasts } from '../../src/lib/state/toasts.svelte';
import { FakeBackend } from '../../test-harness/fake-backend';

afterEach(() => setLanguage(null));

async function setup() {
  const fake = new FakeBackend();
  fake.displayName = 'Alice Martin';
  fake.install();
  const settings = new SettingsState();
  await settings.load();
  const toasts = new Toasts();
  render(LanguageSetting, { settings, toasts });
  return { fake, toasts };
}

const choose = (value: string) => fireEvent.change(screen.getByTestId('language'), { target: { value } });

describe('LanguageSetting', () => {
  it('follows the system until a language is chosen', async () => {
    await setup();
    expect((screen.getByTestId('language') as HTMLSelectElement).value).toBe('');
    expect(screen.getByRole('option', { name: 'System (English)' })).toBeInTheDocument();
  });

  it('re-words the page at once and saves the choice, keeping the other settings', async () => {
    const { fake } = await setup();
    await choose('de');
    expect(language(), 'switched before the engine answered').toBe('de');
    expect(screen.getByText('Sprache')).toBeInTheDocument();
    await waitFor(() => expect(fake.language).toBe('de'));
    expect(fake.displayName, 'the whole record is saved, not the language alone').toBe('Alice Martin');

    await choose('');
    await waitFor(() => expect(fake.language).toBeNull());
    expect(language()).toBe('en');
    expect(screen.getByText('Language')).toBeInTheDocument();
  });

  it('goes back to the language it had when saving fails, and says why', async () => {
    const { fake, toasts } = await setup();
    const original = fake.handle.bind(fake);
    fake.handle = async (cmd, args) => {
      if (cmd === 'save_settings') throw { kind: 'Io', code: 'saveFailed', params: { detail: 'disk full' }, message: 'Cannot save: disk full.' };
      return original(cmd, args);
    };
    fake.install();
    await choose('de');
    await waitFor(() => expect(toasts.items).toHaveLength(1));
    expect(language()).toBe('en');
    expect((screen.getByTestId('language') as HTMLSelectElement).value).toBe('');
    expect(toasts.items[0].text).toBe(`${t('language.saveFailed')}: Cannot save: disk full.`);
    expect(fake.language).toBeNull();
  });
});
