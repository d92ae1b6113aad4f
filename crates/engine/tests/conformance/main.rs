//! The conformance suite: one body of engine behaviour, run against every backend.
//!
//! Each case in [`suite`] is a plain `async fn` taking a [`fixture::Fixture`]; the macro below
//! runs every case once on the Local vault and once on a real Garage server. Backend differences
//! are fields of the fixture, never branches on the backend's name.

mod fixture;
mod suite;

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod local_vault {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = crate::fixture::Fixture::local_vault(stringify!($case)).await;
                    crate::suite::$case(&fixture).await;
                }
            )*
        }
        mod garage {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = crate::fixture::Fixture::garage(stringify!($case)).await;
                    crate::suite::$case(&fixture).await;
                }
            )*
        }
    };
}

conformance!(
    round_trip_of_empty_small_and_multipart_files,
    awkward_keys_survive_the_round_trip,
    content_type_and_mtime_are_stored,
    folder_upload_keeps_relative_paths,
    listing_follows_every_page,
    delete_one_many_and_a_folder,
    share_link_serves_the_bytes,
    cancel_leaves_no_multipart_upload,
    interrupted_upload_resumes_from_its_last_part,
    changed_file_restarts_and_queued_files_are_sent,
    file_changing_during_upload_is_refused,
    bad_local_input_is_refused,
    bad_keys_are_refused,
    server_side_errors_have_their_kinds,
    read_only_key_can_read_but_not_write,
    prefix_confines_the_connection,
    download_is_atomic_and_stays_in_its_folder,
    dropped_files_resolve_name_conflicts,
    transfers_cancel_and_retry,
    delete_removes_exactly_what_was_confirmed,
    cleanup_aborts_only_abandoned_uploads,
    a_server_with_its_own_certificate_works_once_its_authority_is_given,
    a_resumed_upload_never_replaces_what_changed_since_it_was_queued,
    a_multipart_upload_the_journal_cannot_record_is_aborted,
    a_colleagues_document_is_seen_by_the_next_listing,
    the_server_is_asked_whether_it_guards_overwrites,
    a_server_away_for_a_moment_fails_no_upload,
    nothing_is_overwritten_unseen,
    every_write_in_flight_checks_its_own_name,
    taken_names_are_refused_skipped_or_kept_beside,
    a_document_changed_while_uploading_is_asked_about,
    delete_moves_to_the_trash_and_restore_asks_before_overwriting,
    a_big_document_is_copied_to_the_trash_in_parts,
    a_crash_in_the_middle_of_a_delete_loses_nothing,
    a_replace_keeps_the_previous_version_in_the_trash,
    a_document_edited_in_place_goes_back_to_the_bucket,
    a_save_over_a_colleagues_change_becomes_a_conflicted_copy,
    a_colleague_sees_the_lock_and_saves_made_while_closed_are_found,
    the_trash_is_purged_by_a_lifecycle_rule_where_the_server_has_them,
    documents_and_folders_are_created_renamed_moved_and_copied_on_the_server,
    a_crash_in_the_middle_of_a_move_loses_nothing,
    a_cancelled_move_leaves_each_document_in_one_place,
    the_search_index_finds_documents_anywhere_in_the_bucket,
    the_index_build_waits_while_a_folder_is_browsed,
    the_index_follows_coffers_own_uploads_moves_and_deletes,
    a_preview_reads_ranges_and_the_details_name_a_checksum,
    a_resumed_move_never_takes_a_colleagues_document_for_its_copy,
    two_documents_never_go_to_one_name_and_empty_folders_merge,
    downloads_are_checked_against_the_stored_checksum,
    many_documents_and_folders_download_into_a_folder,
    a_document_changed_after_the_count_stays_out_of_the_trash,
);
