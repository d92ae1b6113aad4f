//! The checksums that protect every upload request: which algorithm the server verifies for us, the
//! digests of a body read from disk, and the whole-object values an upload is checked against.
//!
//! The one design decision that matters: **the algorithm is learnt from the server, once per
//! bucket.** A server that checks `x-amz-checksum-crc32c` echoes it back, and from then on CRC32C
//! alone (hardware-accelerated) protects each body; any other server gets Content-MD5. Digests are
//! kept as base64 of the raw value, which is what S3 headers carry; the algorithm is stored beside
//! them, never inside the string.

use std::sync::atomic::{AtomicU8, Ordering};

use aws_sdk_s3::types::ChecksumType;
use base64::Engine as _;
use bytes::Bytes;
use md5::{Digest, Md5};

/// What a body's integrity is proven with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checksum {
    /// `x-amz-checksum-crc32c`, which the server verifies and stores.
    Crc32c,
    /// `Content-MD5`, which every S3 server verifies.
    Md5,
}

impl Checksum {
    /// The name stored in the journal.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Crc32c => "crc32c",
            Self::Md5 => "md5",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "crc32c" => Some(Self::Crc32c),
            "md5" => Some(Self::Md5),
            _ => None,
        }
    }
}

/// Which checksum a bucket's server verifies, as far as has been learnt. Shared by every clone of a
/// bucket, so what one upload learns serves the next.
#[derive(Debug, Default)]
pub(crate) struct IntegrityMode(AtomicU8);

// The atomic's encoding; nothing outside this type sees it.
const UNKNOWN: u8 = 0;
const CRC32C: u8 = 1;
const MD5: u8 = 2;

impl IntegrityMode {
    /// AWS verifies CRC32C; no need to learn it.
    pub(crate) fn crc32c() -> Self {
        Self(AtomicU8::new(CRC32C))
    }

    /// `None` until the first upload has shown what the server verifies.
    pub(crate) fn get(&self) -> Option<Checksum> {
        match self.0.load(Ordering::Relaxed) {
            CRC32C => Some(Checksum::Crc32c),
            MD5 => Some(Checksum::Md5),
            _ => None,
        }
    }

    /// Notes what the server echoed for a body sent with the CRC32C `sent`.
    pub(crate) fn learn(&self, sent: &str, echoed: Option<&str>) {
        self.settle(if echoed == Some(sent) { Checksum::Crc32c } else { Checksum::Md5 });
    }

    /// The first answer wins; later ones agree with it on any sane server.
    pub(crate) fn settle(&self, checksum: Checksum) {
        let value = match checksum {
            Checksum::Crc32c => CRC32C,
            Checksum::Md5 => MD5,
        };
        let _ = self.0.compare_exchange(UNKNOWN, value, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// A request body read from disk, with the digests its request carries.
pub(crate) struct Body {
    pub(crate) bytes: Bytes,
    crc32c: u32,
    md5: Option<[u8; 16]>,
}

impl Body {
    /// Computes the CRC32C always (it is nearly free) and the MD5 only when it will be sent.
    pub(crate) fn new(bytes: Vec<u8>, with_md5: bool) -> Self {
        let crc32c = crc32c::crc32c(&bytes);
        let md5 = with_md5.then(|| Md5::digest(&bytes).into());
        Self { bytes: Bytes::from(bytes), crc32c, md5 }
    }

    pub(crate) fn crc_base64(&self) -> String {
        b64(&self.crc32c.to_be_bytes())
    }

    pub(crate) fn md5_base64(&self) -> Option<String> {
        self.md5.map(|m| b64(&m))
    }

    pub(crate) fn md5_hex(&self) -> Option<String> {
        self.md5.map(|m| hex(&m))
    }

    /// The base64 digest under `checksum`, as recorded for a part.
    pub(crate) fn digest(&self, checksum: Checksum) -> String {
        match checksum {
            Checksum::Crc32c => self.crc_base64(),
            Checksum::Md5 => self.md5_base64().unwrap_or_default(),
        }
    }
}

/// What a completed multipart object must show, from its parts' base64 digests: the composite
/// CRC32C (`base64-N`) or the multipart ETag (`hex md5 of the md5s-N`). `None` if a digest is
/// unreadable, which can only mean a damaged journal.
pub(crate) fn composite(checksum: Checksum, parts: &[&str]) -> Option<String> {
    let decoded =
        parts.iter().map(|p| base64::engine::general_purpose::STANDARD.decode(p).ok()).collect::<Option<Vec<_>>>()?;
    let joined = decoded.concat();
    Some(match checksum {
        Checksum::Crc32c => format!("{}-{}", b64(&crc32c::crc32c(&joined).to_be_bytes()), parts.len()),
        Checksum::Md5 => format!("{}-{}", hex(&Md5::digest(&joined)), parts.len()),
    })
}

/// The MD5 of a whole file, as hex, read in blocks.
pub(crate) fn md5_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Md5::new();
    let mut buf = vec![0; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn unquote(etag: &str) -> &str {
    etag.trim_matches('"')
}

/// Whether a checksum the server returned with an object can be of its current content: a checksum
/// of parts (`…-N`) only on a multipart object (ETag `…-N`), and a whole-object one on a multipart
/// object only where the server says it is one (`x-amz-checksum-type: FULL_OBJECT`). The Local
/// vault's server keeps a replaced single-part version's checksum through a multipart upload over
/// it: believed, it would refuse every download of the new version as corrupt.
pub(crate) fn is_current(value: &str, etag: Option<&str>, checksum_type: Option<&ChecksumType>) -> bool {
    let multipart = etag.is_some_and(|e| etag_parts(e).1.is_some());
    if value.contains('-') { multipart } else { !multipart || checksum_type == Some(&ChecksumType::FullObject) }
}

/// An ETag of the form S3 computes from MD5s: 32 hex digits, optionally `-<parts>`.
pub(crate) fn looks_like_md5(etag: &str) -> bool {
    let (hash, _) = etag_parts(etag);
    hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An ETag without its quotes, split into the hash and, for a multipart object (`…-N`), the part
/// count.
fn etag_parts(etag: &str) -> (&str, Option<&str>) {
    let etag = unquote(etag);
    match etag.rsplit_once('-') {
        Some((hash, parts)) if !parts.is_empty() && parts.bytes().all(|b| b.is_ascii_digit()) => (hash, Some(parts)),
        _ => (etag, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_lesson_sticks() {
        let mode = IntegrityMode::default();
        assert_eq!(mode.get(), None);
        mode.learn("abc=", Some("abc="));
        assert_eq!(mode.get(), Some(Checksum::Crc32c));
        mode.learn("abc=", None);
        assert_eq!(mode.get(), Some(Checksum::Crc32c), "a later answer does not override the first");
        for c in [Checksum::Crc32c, Checksum::Md5] {
            assert_eq!(Checksum::parse(c.as_str()), Some(c));
        }
    }

    #[test]
    fn composites_match_what_s3_computes() {
        let a = Body::new(b"hello ".to_vec(), true);
        let b = Body::new(b"world".to_vec(), true);
        // S3's multipart ETag: the MD5 of the concatenated part MD5s, then "-<parts>".
        let etag = composite(Checksum::Md5, &[&a.digest(Checksum::Md5), &b.digest(Checksum::Md5)]).unwrap();
        let mut both = Md5::digest(b"hello ").to_vec();
        both.extend_from_slice(&Md5::digest(b"world"));
        assert_eq!(etag, format!("{}-2", hex(&Md5::digest(&both))));
        assert!(looks_like_md5(&format!("\"{etag}\"")));
        assert!(!looks_like_md5("\"not-an-md5\""));
        assert!(!looks_like_md5(&format!("{}-", &etag[..32])), "a part count has digits");
        assert_eq!(composite(Checksum::Crc32c, &["not base64!"]), None);
    }

    #[test]
    fn a_checksum_must_fit_the_object_it_came_with() {
        let (single, multipart) =
            (Some("\"0cc175b9c0f1b6a831c399e269772661\""), Some("\"0cc175b9c0f1b6a831c399e269772661-3\""));
        assert!(is_current("AAAAAA==", single, None));
        assert!(is_current("AAAAAA==-3", multipart, Some(&ChecksumType::Composite)));
        assert!(is_current("AAAAAA==-3", multipart, None), "the part count says it all");
        assert!(is_current("AAAAAA==", multipart, Some(&ChecksumType::FullObject)));
        assert!(!is_current("AAAAAA==", multipart, None), "a single-part version's, left behind");
        assert!(!is_current("AAAAAA==", multipart, Some(&ChecksumType::Composite)));
        assert!(!is_current("AAAAAA==-3", single, None), "a multipart version's, left behind");
        assert!(is_current("AAAAAA==", None, None));
    }
}
