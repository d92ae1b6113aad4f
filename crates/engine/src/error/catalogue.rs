//! Every failure the engine reports, each with a code, its kind, the parameters it names and its
//! English sentence.
//!
//! The page translates an error from its code and parameters, so the catalogue is the one place
//! where an error's words are written: the CLI prints the English sentence, and the English
//! catalogue the page loads is generated from this list. A sentence may only use `{name}`
//! placeholders for its own parameters (a unit test checks it); plural forms belong to the
//! translations, never here.

use std::collections::BTreeMap;
use std::fmt::Display;

use super::{Error, ErrorKind};

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $code:ident $ctor:ident ( $($param:ident),* ) $kind:ident $text:literal; )*) => {
        /// Exactly what went wrong: the key of the translated sentence.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "camelCase")]
        pub enum ErrorCode {
            $( $(#[$doc])* #[doc = $text] $code, )*
        }

        impl ErrorCode {
            /// Every code, for the generated catalogue and its tests.
            pub const ALL: &'static [Self] = &[$(Self::$code),*];

            /// The English sentence, with `{name}` where each parameter goes.
            pub fn english(self) -> &'static str {
                match self { $(Self::$code => $text,)* }
            }

            /// The names of the parameters the sentence uses.
            pub fn params(self) -> &'static [&'static str] {
                match self { $(Self::$code => &[$(stringify!($param)),*],)* }
            }

            /// The kind every error with this code has.
            pub fn kind(self) -> ErrorKind {
                match self { $(Self::$code => ErrorKind::$kind,)* }
            }
        }

        impl Error {
            $(
                $(#[$doc])*
                #[doc = $text]
                pub fn $ctor($($param: impl Display),*) -> Self {
                    let params: BTreeMap<String, String> =
                        BTreeMap::from_iter([$((stringify!($param).to_owned(), $param.to_string())),*]);
                    Self::coded(ErrorCode::$code, params)
                }
            )*
        }
    };
}

catalogue! {
    // Anything, anywhere.
    /// The caller cancelled the operation.
    Cancelled cancelled() Cancelled "Cancelled; nothing was left half-done.";
    /// A failure known only by its English words: recorded before errors had codes, or not the
    /// engine's own.
    Plain plain(detail) Io "{detail}";

    // Local files and folders.
    LocalMissing local_missing(path) NotFound "'{path}' does not exist.";
    LocalDenied local_denied(path) Io "'{path}' cannot be read or written: permission denied.";
    LocalIsFolder local_is_folder(path) InvalidInput "'{path}' is a folder; choose a file or upload the folder.";
    LocalShrank local_shrank(path) Io
        "'{path}' got shorter while it was being read; nothing was stored — try again once it is saved.";
    LocalFailed local_failed(path, detail) Io "'{path}': {detail}.";
    NotRegularFile not_regular_file(path) InvalidInput "'{path}' is not a regular file.";
    UploadFolderAsFolder upload_folder_as_folder(path) InvalidInput "'{path}' is a folder; upload it as a folder.";
    ChangedWhileUploading changed_while_uploading(path) Io
        "'{path}' changed while it was being uploaded; nothing was stored — upload it again once it is saved.";
    NoUsableName no_usable_name(path) InvalidInput "'{path}' has no usable name; upload what is inside it instead.";
    SkippedNotRegular skipped_not_regular(path) InvalidInput "'{path}' is not a regular file; it was skipped.";
    SkippedNotUnicode skipped_not_unicode(path) InvalidInput
        "'{path}' has a name that is not valid Unicode; it was skipped.";
    SkippedLinkOutside skipped_link_outside(path) InvalidInput
        "'{path}' is a link to something outside the folder (or to a folder); links are not followed, so it was skipped.";
    SkippedLinkToNothing skipped_link_to_nothing(path) NotFound "'{path}' is a link to nothing; it was skipped.";
    LinksIntoItself links_into_itself(path) Io "'{path}' links back into itself.";
    NoHomeFolder no_home_folder() Io "Cannot find your home folder to keep Coffer's settings in.";
    SaveFailed save_failed(detail) Io "Cannot save: {detail}.";
    SettingsFileInvalid settings_file_invalid(path, detail) Io "'{path}' is not a valid settings file: {detail}";
    ConnectionsFileInvalid connections_file_invalid(path, detail) Io "'{path}' is not a valid connections file: {detail}";
    JournalUnusable journal_unusable(detail) Io "Coffer's transfer journal cannot be used: {detail}.";
    IndexUnusable index_unusable(detail) Io "Coffer's search index cannot be used: {detail}.";
    WatchFailed watch_failed(path, detail) Io "Coffer cannot watch '{path}' for saves: {detail}.";
    OpenFailed open_failed(name, detail) Io "'{name}' was downloaded but could not be opened: {detail}";
    ClipboardFailed clipboard_failed(detail) Io "The link was made but could not be put on the clipboard: {detail}";
    ProgramNeedsConfirmation program_needs_confirmation(name) InvalidInput
        "'{name}' is a program or script: opening it runs it on this computer. Save a copy instead, or confirm that you trust it.";

    // The Local vault.
    VaultNoAddress vault_no_address(detail) Io "The Local vault has no address: {detail}.";
    VaultUnusable vault_unusable(path, detail) Io "The Local vault cannot use '{path}': {detail}.";
    VaultCannotListen vault_cannot_listen(address, detail) Io "The Local vault cannot listen on {address}: {detail}.";

    // Connections, keys and the keychain.
    ConnectionNameMissing connection_name_missing() InvalidInput "Give the connection a name.";
    ConnectionNameReserved connection_name_reserved(name) InvalidInput
        "'{name}' is the built-in vault's name; choose another.";
    ConnectionNameControl connection_name_control() InvalidInput "The connection name contains control characters.";
    EndpointScheme endpoint_scheme(endpoint) InvalidInput
        "The endpoint '{endpoint}' must start with http:// or https:// (or be empty for AWS S3).";
    EndpointInvalid endpoint_invalid(connection, detail) InvalidInput
        "The endpoint of '{connection}' is not a valid URL ({detail}).";
    EndpointHasUserInfo endpoint_has_user_info(connection) InvalidInput
        "The endpoint of '{connection}' contains a user name or password. Remove it from the URL and enter the access key in its own fields, where it is kept in the keychain.";
    PlainHttp plain_http(connection) InvalidInput
        "'{connection}' uses plain http:// to another computer, so documents and keys would cross the network unencrypted. Use https:// (add the server's certificate authority if it has its own), or mark the connection as allowed to be unencrypted if this network is trusted.";
    BucketNameInvalid bucket_name_invalid(bucket) InvalidInput
        "'{bucket}' is not a valid bucket name: 3–63 lowercase letters, digits, dots and hyphens.";
    CertificateInvalid certificate_invalid(detail) InvalidInput "The CA certificate is not usable: {detail}.";
    CertificateMissing certificate_missing() InvalidInput
        "The CA certificate is not usable: paste the PEM text, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.";
    NoSuchConnection no_such_connection(name) NotFound
        "There is no connection named '{name}'; see the list of connections.";
    ConnectionExists connection_exists(name) AlreadyExists
        "A connection named '{name}' already exists; choose another name.";
    EnterKeyAndSecret enter_key_and_secret(connection) InvalidInput "Enter the access key and secret for '{connection}'.";
    EnterKeyIdForSecret enter_key_id_for_secret() InvalidInput "Enter the access key ID that goes with the secret.";
    EnterKeyId enter_key_id() InvalidInput "Enter the access key ID.";
    EnterSecret enter_secret() InvalidInput "Enter the secret access key.";
    NoSecretStored no_secret_stored(connection) InvalidCredentials
        "No secret is stored for '{connection}' — enter it in Connections.";
    KeychainDamaged keychain_damaged(account) Io "The keychain entry for '{account}' is damaged; enter the secret again.";
    KeychainLocked keychain_locked(account) Io
        "Keychain entry '{account}': the keychain is locked or access was refused — unlock it and try again.";
    KeychainUnavailable keychain_unavailable(account) Io
        "Keychain entry '{account}': the system keychain is not available — on Linux, a Secret Service such as GNOME Keyring must be running.";
    KeychainNameRefused keychain_name_refused(account) Io
        "Keychain entry '{account}': the entry's name is not accepted by the keychain.";
    KeychainAmbiguous keychain_ambiguous(account) Io
        "Keychain entry '{account}': the keychain holds several entries for it — remove the duplicates.";
    KeychainUnexpected keychain_unexpected(account) Io
        "Keychain entry '{account}': the keychain gave an unexpected answer.";
    LanguageInvalid language_invalid(tag) InvalidInput "'{tag}' is not a language tag such as 'en' or 'de'.";
    DisplayNameInvalid display_name_invalid() InvalidInput "Your name must be one line of at most 100 characters.";

    // The server's answers.
    ServerUnreachable server_unreachable(connection, endpoint) Unreachable
        "Cannot reach the server for '{connection}' at {endpoint} — check the address and your network.";
    CertificateUntrusted certificate_untrusted(connection, endpoint) Unreachable
        "The server for '{connection}' at {endpoint} presented a certificate this computer does not trust. If it is your organisation's own server, add its certificate authority to the connection.";
    RequestNotBuilt request_not_built(connection) InvalidInput
        "The request for '{connection}' could not be built; check the connection's endpoint and region.";
    ServerFailed server_failed(connection, detail) Server "The server for '{connection}' failed: {detail}.";
    ServerError server_error(connection, name, code, status) Server
        "The server for '{connection}' failed on '{name}' ({code}, HTTP {status}); try again later.";
    RequestRefused request_refused(connection, name, code) InvalidInput
        "The server for '{connection}' refused the request for '{name}' ({code}).";
    BucketMissing bucket_missing(bucket, connection) BucketNotFound
        "The bucket '{bucket}' does not exist on the server for '{connection}' — check the bucket name in Connections.";
    CredentialsRejected credentials_rejected(connection) InvalidCredentials
        "The access key or secret for '{connection}' was rejected by the server — re-enter them in Connections.";
    RegionRefused region_refused(connection, region, bucket) InvalidInput
        "The server for '{connection}' does not accept region '{region}' for bucket '{bucket}' — check the region in Connections.";
    AccessDenied access_denied(name, connection) PermissionDenied
        "The server refused this on '{name}' for '{connection}': the key may not do it, or its secret is wrong — test the connection to tell which.";
    KeyCannotRead key_cannot_read(connection, bucket) PermissionDenied
        "The key for '{connection}' is valid but may not read bucket '{bucket}' — ask for read and write access to it.";
    KeyRefused key_refused(connection, bucket) InvalidCredentials
        "The server refused the key for '{connection}': the secret is wrong, or the key has no access to bucket '{bucket}' — re-enter it in Connections.";
    ObjectMissing object_missing(name, connection) NotFound "'{name}' does not exist in '{connection}'.";
    ChangedMeanwhile changed_meanwhile(name, connection) AlreadyExists
        "'{name}' was changed in '{connection}' by someone else meanwhile, so it was not stored.";
    NoUploadId no_upload_id() Server "The server started a multipart transfer without an upload ID.";
    StoredDifferently stored_differently(name, path) Server
        "The server stored '{name}' differently from '{path}' as read from disk; upload it again.";
    CopyMissing copy_missing() Server "The copy could not be found afterwards; the original stays.";
    RecordUnreadable record_unreadable(name, detail) Server "Reading '{name}' failed: {detail}.";
    TrashRecordDamaged trash_record_damaged(name, detail) Server "The trash record '{name}' is damaged: {detail}.";

    // Names, keys and folders.
    KeyIsFolder key_is_folder(name) InvalidInput "'{name}' ends with '/', which names a folder, not a document.";
    NameEmpty name_empty() InvalidInput "The name is empty; give the document a name.";
    NameTooLong name_too_long(bytes, max) InvalidInput
        "The name is {bytes} bytes long; S3 allows at most {max}. Shorten the name or folder path.";
    NameHasControls name_has_controls(name) InvalidInput
        "The name '{name}' contains control characters (such as a line break).";
    NameHasDotParts name_has_dot_parts(name) InvalidInput
        "The name '{name}' has an empty, '.' or '..' part; folder names must not be empty or dots.";
    KeyTooLong key_too_long(name, prefix, bytes, max) InvalidInput
        "'{name}' is too long: with the connection's folder '{prefix}' it is {bytes} bytes; S3 allows {max}.";
    NameInvalid name_invalid(name) InvalidInput "'{name}' cannot be a name: use no '/' and not just dots.";
    NameReserved name_reserved() InvalidInput "Names starting with '.coffer-' are kept for Coffer's own use.";
    NoFreeName no_free_name(name, folder) InvalidInput "No free name like '{name}' is left in '{folder}'.";
    NoFreeNameHere no_free_name_here(name) InvalidInput "No free name like '{name}' is left in its folder.";

    // Uploads and edits.
    NotReplaced not_replaced(name) AlreadyExists
        "'{name}' already exists, so it was not replaced; choose replace, keep-both or skip.";
    ChangedSinceQueued changed_since_queued(name) AlreadyExists
        "'{name}' was changed or added by someone else on the server after this upload was queued, so it was not replaced. Upload the file again to choose what to do.";
    DeletedSinceQueued deleted_since_queued(name) AlreadyExists
        "'{name}' was deleted on the server after this upload was queued, so it was not replaced. Upload the file again to choose what to do.";
    PartTooLarge part_too_large() InvalidInput "A part can be at most 5 GiB (5120 MiB), the most S3 accepts.";
    PartOverBudget part_over_budget(part, budget) InvalidInput
        "A part of {part} MiB does not fit in a memory budget of {budget} MiB; raise the budget or use smaller parts.";
    NothingInFlight nothing_in_flight() InvalidInput "Files, parts and memory in flight must each be at least 1.";
    UploadRunning upload_running() InvalidInput "That upload is running; it can be retried once it has stopped.";
    UploadNotWaiting upload_not_waiting() InvalidInput "That upload is not waiting for an answer any more.";
    UploadGone upload_gone() NotFound "That upload is no longer in the queue.";
    TransferFailed transfer_failed() Io "It failed.";
    TransferUnknown transfer_unknown() NotFound "That transfer is no longer known.";
    SelectionGone selection_gone() NotFound "Those files are no longer on hand; drop or pick them again.";
    NothingOnHand nothing_on_hand() NotFound "That is no longer on hand; select the documents and try again.";
    SaveLeftQueue save_left_queue() Io "The save left the queue before it ran.";

    // Downloads, reading and sharing.
    DownloadOutside download_outside(name) InvalidInput
        "The key '{name}' would be saved outside the chosen folder; it was not downloaded.";
    DownloadNoFileName download_no_file_name(name) InvalidInput "The key '{name}' has no file name to save under.";
    DownloadTargetIsFolder download_target_is_folder(path) InvalidInput
        "'{path}' is a folder; choose a file name to save to.";
    DownloadInterrupted download_interrupted(name) Unreachable "The download of '{name}' was interrupted; try again.";
    DownloadStopped download_stopped(name, done, total) Unreachable
        "The download of '{name}' stopped after {done} of {total} bytes; try again.";
    WholeBucketDownload whole_bucket_download() InvalidInput
        "The whole bucket cannot be downloaded at once; choose folders or documents.";
    LocalExists local_exists(path) AlreadyExists "'{path}' already exists on this computer, so it was not replaced.";
    DownloadCorrupt download_corrupt(name) Server
        "'{name}' arrived different from what the server stored (its checksum does not match); nothing was saved — try again.";
    ServerSentTooMuch server_sent_too_much(name) Server "The server sent more of '{name}' than asked for.";
    ReadInterrupted read_interrupted(name, detail) Unreachable "Reading '{name}' was interrupted: {detail}.";
    LinkTooLong link_too_long(detail) InvalidInput "Cannot make a link for that long: {detail}";

    // Deleting, moving and searching.
    WholeBucketDelete whole_bucket_delete() InvalidInput "Refusing to delete the whole bucket at once; choose a folder.";
    NotDeleted not_deleted(name, reason) Server "'{name}' was not deleted: {reason}.";
    NotADelete not_a_delete() InvalidInput "That is a move, not a delete.";
    NotAMove not_a_move() InvalidInput "That is a delete, not a move.";
    NotADownload not_a_download() InvalidInput "That is not a download.";
    NotAFolder not_a_folder(path) InvalidInput "'{path}' is not a folder on this computer.";
    FolderExists folder_exists(folder) AlreadyExists "A folder '{folder}' already exists.";
    SameName same_name(name) InvalidInput "'{name}' already has that name.";
    AlreadyThere already_there(name) InvalidInput "'{name}' is already there.";
    AlreadyInFolder already_in_folder(name) InvalidInput "'{name}' is already in that folder.";
    IntoItself into_itself(folder) InvalidInput "'{folder}' cannot go into itself.";
    WholeBucketMove whole_bucket_move() InvalidInput "The whole bucket cannot be moved or copied; choose folders.";
    NoLongerThere no_longer_there(name) NotFound "'{name}' is no longer there.";
    NamesTaken names_taken(count, first) AlreadyExists
        "{count} of the names are taken at the destination, first '{first}'.";
    ChangedWhileMoving changed_while_moving() AlreadyExists
        "It changed while it was being moved: the earlier version was moved, this one stays.";
    StoredMeanwhile stored_meanwhile(name) AlreadyExists
        "'{name}' was stored by someone else meanwhile; this one stays where it was.";
    SameDestination same_destination(name) InvalidInput
        "Two of the selected items would both be called '{name}' there; move them separately.";
    TooManyParts too_many_parts() InvalidInput "Too many parts to copy.";
    SearchTooManyWords search_too_many_words(max) InvalidInput "Search for at most {max} words at once.";
    SearchUnavailable search_unavailable() Io "Search is unavailable: the search index could not be opened.";
}

/// The English catalogue the page loads, as ICU messages: the sentences with apostrophes doubled,
/// since a single one would start quoted text in ICU MessageFormat.
/// Keyed by the code as the page spells it.
pub fn english_catalogue() -> BTreeMap<String, String> {
    ErrorCode::ALL
        .iter()
        .map(|&code| {
            let name = serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            (name, code.english().replace('\'', "''"))
        })
        .collect()
}

/// `template` with each `{name}` replaced by its parameter.
pub(super) fn render(template: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.get(name) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name)).collect()
    }

    #[test]
    fn every_sentence_uses_exactly_its_parameters() {
        for &code in ErrorCode::ALL {
            let named: BTreeSet<&str> = code.params().iter().copied().collect();
            assert_eq!(placeholders(code.english()), named, "{code:?}");
            assert!(!code.english().contains(['#', '|']), "{code:?} has ICU syntax in its English sentence");
        }
    }

    #[test]
    fn codes_are_distinct_in_the_page_s_spelling() {
        let names: BTreeSet<String> =
            ErrorCode::ALL.iter().map(|c| serde_json::to_string(c).expect("a name")).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }

    #[test]
    fn sentences_are_filled_in_from_the_parameters() {
        let e = Error::download_stopped("a.pdf", 10, 20);
        assert_eq!(e.message(), "The download of 'a.pdf' stopped after 10 of 20 bytes; try again.");
        assert_eq!((e.kind(), e.code()), (ErrorKind::Unreachable, ErrorCode::DownloadStopped));
        assert_eq!(e.params().get("total").map(String::as_str), Some("20"));
        // A value that looks like a placeholder is never expanded again.
        assert_eq!(Error::no_longer_there("{name}").message(), "'{name}' is no longer there.");
    }
}
