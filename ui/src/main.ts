/**
 * Entry point: reads the person's settings, so the page starts in the language they chose, then
 * mounts the app into the page Tauri loads.
 */
import { mount } from 'svelte';
import App from './App.svelte';
import { SettingsState } from './lib/state/settings.svelte';
import './app.css';

const settings = new SettingsState();
// Unreadable settings leave the page in the system's language; the settings form reports the failure.
await settings.load().catch(() => undefined);

export default mount(App, { target: document.getElementById('app')!, props: { settings } });
