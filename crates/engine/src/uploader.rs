//! Who uploaded a document: a display name stored with it as `x-amz-meta-uploaded-by`, so the
//! dashboard can say "Added by".
//!
//! The design decision that matters: S3 metadata travels in HTTP headers, which carry ASCII only,
//! so the name is percent-encoded (UTF-8) when written and decoded when read; "Jürgen Müller"
//! arrives as typed on every server.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// The metadata key (`x-amz-meta-` is added by the SDK).
pub(crate) const UPLOADED_BY: &str = "uploaded-by";

/// Control characters, everything outside ASCII, and `%` itself are encoded.
const ENCODED: &AsciiSet = &CONTROLS.add(b'%');

/// The operating system's full name for this user, or the login name where none is set.
pub fn default_name() -> String {
    let real = whoami::realname();
    if real.trim().is_empty() { whoami::username() } else { real.trim().to_owned() }
}

pub(crate) fn encode(name: &str) -> String {
    utf8_percent_encode(name, ENCODED).to_string()
}

pub(crate) fn decode(value: &str) -> String {
    percent_decode_str(value).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_survive_headers() {
        for name in ["Jürgen Müller", "Zoë O'Brien", "100% Anna", "李雷"] {
            let header = encode(name);
            assert!(header.is_ascii() && !header.chars().any(char::is_control), "{header}");
            assert_eq!(decode(&header), name);
        }
        assert!(!default_name().is_empty());
    }
}
