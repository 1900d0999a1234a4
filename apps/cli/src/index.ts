export { type RunningStack, up } from './commands/up.js';
export { readSettings, type Settings, SettingsError } from './settings.js';
