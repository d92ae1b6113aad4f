//! How results look on a terminal: sizes, times, progress bars.

use std::time::SystemTime;

use coffer_engine::{Access, ConnectionCheck, Progress};

pub fn human_size(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

pub fn local_time(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(t).format("%Y-%m-%d %H:%M").to_string()
}

pub fn check(check: ConnectionCheck) -> String {
    let access = match check.access {
        Access::ReadWrite => "OK: read and write",
        Access::ReadOnly => "read-only: listing and downloading work, uploading and deleting do not",
    };
    match check.write_guard {
        Some(guard) => format!("{access}\n{}", guard.describe()),
        None => access.to_owned(),
    }
}

/// A progress bar on standard error; hidden when it is not a terminal.
pub struct ProgressBar(indicatif::ProgressBar, String);

impl ProgressBar {
    pub fn new(message: &str) -> Self {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(message.to_owned());
        Self(bar, message.to_owned())
    }

    /// A bar counting documents instead of bytes.
    pub fn counting(message: &str) -> Self {
        let bar = Self::new(message);
        bar.0.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {eta}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar
    }

    pub fn update_count(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    pub fn update(&self, p: Progress) {
        self.0.set_length(p.bytes_total);
        self.0.set_position(p.bytes_done);
        if p.retrying > 0 {
            self.0.set_message(format!("{} (server not answering, retrying)", self.1));
        } else {
            self.0.set_message(self.1.clone());
        }
    }

    /// Prints a line to standard output above the bar.
    pub fn println(&self, line: &str) {
        self.0.suspend(|| println!("{line}"));
    }

    /// Prints a line to standard error above the bar.
    pub fn eprintln(&self, line: &str) {
        self.0.suspend(|| eprintln!("{line}"));
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}
