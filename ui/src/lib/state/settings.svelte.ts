/**
 * The person's settings as the engine keeps them, shared by the controls that change them (name,
 * language). `save_settings` replaces the whole record, so every save sends what was loaded with one
 * field changed; a control that sent only its own field would reset the others. The language the
 * engine answers with is applied to the page at once.
 */
import * as api from '../api';
import { isLanguage, setLanguage, type Language } from '../i18n.svelte';
import type { Settings, SettingsView } from '../ipc';

/** The language `settings` asks for, or null to follow the system (also for a tag this build has no words for). */
export function languageOf(settings: Settings): Language | null {
  return isLanguage(settings.language) ? settings.language : null;
}

export class SettingsState {
  settings = $state.raw<Settings>({});
  /** The name uploads record when none is set: the OS user's full name. */
  defaultName = $state('');
  loaded = $state(false);

  /** Reads the settings and applies their language. Rejects with a CofferError. */
  async load(): Promise<void> {
    this.#take(await api.getSettings());
  }

  /** Saves the settings with `change` applied. Rejects with a CofferError, changing nothing. */
  async save(change: Partial<Settings>): Promise<void> {
    // Never overwrite fields this page has not seen.
    if (!this.loaded) await this.load();
    const next: Settings = { ...this.settings, ...change };
    this.#take(await api.saveSettings(next));
  }

  #take(view: SettingsView): void {
    this.settings = view.settings;
    this.defaultName = view.defaultName;
    this.loaded = true;
    setLanguage(languageOf(this.settings));
  }
}
