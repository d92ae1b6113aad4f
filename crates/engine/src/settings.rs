//! The person's own settings (`settings.toml` in the config folder): today, the name colleagues
//! see as "Added by" on what they upload.
//!
//! Every field is optional in the file, so an absent or older file means "the defaults", and the
//! effective value is computed here rather than stored.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the person chose; `None` means the default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Recorded as the uploader of every document; by default the OS user's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Days deleted documents stay in the trash before they are purged; by default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trash_days: Option<u32>,
    /// The language of the window, as a language tag ("en", "de"); by default the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// How long deleted documents stay in the trash unless the person chose otherwise.
pub const TRASH_DAYS: u32 = 30;

impl Settings {
    /// Days deleted documents stay in the trash.
    pub fn trash_days(&self) -> u32 {
        self.trash_days.unwrap_or(TRASH_DAYS)
    }

    /// The name uploads record.
    pub fn uploader(&self) -> String {
        self.display_name.clone().unwrap_or_else(crate::uploader::default_name)
    }
}

/// The settings file.
#[derive(Clone, Debug)]
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    /// The file in `config_dir`; nothing is read until asked.
    pub fn new(config_dir: &Path) -> Self {
        Self { path: config_dir.join("settings.toml") }
    }

    /// The saved settings; a missing file is the defaults.
    pub fn load(&self) -> Result<Settings> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| Error::settings_file_invalid(self.path.display(), e.message()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::local_io(&self.path, &e)),
        }
    }

    /// Checks and saves `settings`; a blank display name goes back to the default.
    pub fn save(&self, mut settings: Settings) -> Result<Settings> {
        settings.display_name = settings.display_name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if let Some(name) = &settings.display_name
            && (name.chars().any(char::is_control) || name.chars().count() > 100)
        {
            return Err(Error::display_name_invalid());
        }
        settings.language = settings.language.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
        if let Some(tag) = &settings.language
            && (tag.len() > 35 || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            return Err(Error::language_invalid(tag));
        }
        let text = toml::to_string(&settings).map_err(Error::save_failed)?;
        crate::coffer::save_file(&self.path, &text)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_name_is_the_default_and_a_multi_line_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = SettingsFile::new(dir.path());
        assert_eq!(file.load().unwrap(), Settings::default());
        let saved =
            file.save(Settings { display_name: Some("  Alice Martin ".into()), ..Settings::default() }).unwrap();
        assert_eq!(saved.trash_days(), TRASH_DAYS);
        assert_eq!(saved.uploader(), "Alice Martin");
        assert_eq!(file.load().unwrap(), saved);
        assert!(file.save(Settings { display_name: Some("a\nb".into()), ..Settings::default() }).is_err());
        let blank = file.save(Settings { display_name: Some(" ".into()), ..Settings::default() }).unwrap();
        assert_eq!(blank.uploader(), crate::uploader::default_name());
    }
}
