//! The keychain against a real Secret Service: run through `scripts/with-keyring.sh`, which starts
//! a private gnome-keyring, so nobody's own keyring is touched.

use coffer_engine::{
    AccessKey, Coffer, Connection, CredentialSource, Dirs, ErrorKind, KeychainEntry, LOCAL_VAULT, Prefix,
};
use secrecy::ExposeSecret;

/// Refuses to run against a keyring that is not the throwaway one.
fn private_keyring() {
    assert!(
        std::env::var_os("COFFER_TEST_KEYRING").is_some(),
        "keychain tests must run inside scripts/with-keyring.sh (a private gnome-keyring), never against your own keyring"
    );
}

/// What the Secret Service holds for Coffer, read with `secret-tool`, independent of our code.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "Coffer", "username", account])
        .output()
        .expect("secret-tool runs");
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

fn connection(name: &str) -> Connection {
    Connection {
        name: name.into(),
        endpoint: "http://127.0.0.1:9".into(),
        region: "garage".into(),
        bucket: "finance-docs".into(),
        prefix: Prefix::root(),
        addressing: None,
        credentials: CredentialSource::Keychain,
        insecure: false,
        ca_certificate: None,
    }
}

#[tokio::test]
async fn store_read_replace_delete() {
    private_keyring();
    let entry = KeychainEntry::for_connection("Store test");
    assert!(entry.load().await.unwrap().is_none(), "nothing stored yet");
    entry.store(AccessKey::new("AKIDFIRST", "first-secret")).await.unwrap();
    let back = entry.load().await.unwrap().expect("stored");
    assert_eq!((back.access_key_id.as_str(), back.secret_access_key.expose_secret()), ("AKIDFIRST", "first-secret"));
    let raw = secret_tool_lookup("connection:Store test").expect("the Secret Service itself holds the entry");
    assert!(raw.contains("first-secret"), "it is the real keyring, not an in-memory mock");

    entry.store(AccessKey::new("AKIDSECOND", "second-secret")).await.unwrap();
    let back = entry.load().await.unwrap().expect("replaced");
    assert_eq!(back.secret_access_key.expose_secret(), "second-secret", "storing again replaces");
    assert!(
        format!("{back:?}").contains("AKIDSECOND") && !format!("{back:?}").contains("second-secret"),
        "Debug hides the secret"
    );

    entry.delete().await.unwrap();
    assert!(entry.load().await.unwrap().is_none());
    assert!(secret_tool_lookup("connection:Store test").is_none(), "gone from the Secret Service");
    entry.delete().await.expect("deleting what is not there is fine");
    let err = entry.store(AccessKey::new("AKID", "")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "an empty secret is refused: {err}");
}

#[tokio::test]
async fn connections_keep_secrets_out_of_files_and_answers() {
    private_keyring();
    let dir = tempfile::tempdir().unwrap();
    let coffer = Coffer::new(Dirs { config: dir.path().join("config"), data: dir.path().join("data") });
    let secret = "s3cr3t-never-in-a-file-0123456789";
    coffer.save_connection(connection("Finance"), Some(AccessKey::new("GKFINANCE", secret)), None).await.unwrap();

    let file = std::fs::read_to_string(dir.path().join("config/connections.toml")).unwrap();
    assert!(file.contains("Finance") && file.contains("finance-docs"), "the settings are in the file:\n{file}");
    assert!(!file.contains(secret) && !file.contains("GKFINANCE"), "but no key material:\n{file}");

    let listed = coffer.connections().await.unwrap();
    assert_eq!(listed.iter().map(|c| c.connection.name.as_str()).collect::<Vec<_>>(), vec![LOCAL_VAULT, "Finance"]);
    assert!(listed[1].secret_stored);
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains(secret), "what the UI receives never holds the secret: {json}");

    let dup = coffer
        .save_connection(connection("Finance"), Some(AccessKey::new("GKOTHER", "other")), None)
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::AlreadyExists);
    let kept = KeychainEntry::for_connection("Finance").load().await.unwrap().unwrap();
    assert_eq!(kept.secret_access_key.expose_secret(), secret, "a refused duplicate does not overwrite the secret");

    // Renaming without a new secret moves the stored one.
    coffer.save_connection(connection("Accounts"), None, Some("Finance")).await.unwrap();
    assert!(KeychainEntry::for_connection("Finance").load().await.unwrap().is_none());
    let moved = KeychainEntry::for_connection("Accounts").load().await.unwrap().expect("moved");
    assert_eq!(moved.secret_access_key.expose_secret(), secret);

    coffer.remove_connection("Accounts").await.unwrap();
    assert!(
        KeychainEntry::for_connection("Accounts").load().await.unwrap().is_none(),
        "removing a connection removes its secret"
    );
    assert_eq!(coffer.open(Some("Accounts")).await.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn local_vault_key_is_generated_once_and_kept() {
    private_keyring();
    let dir = tempfile::tempdir().unwrap();
    let dirs = Dirs { config: dir.path().join("config"), data: dir.path().join("data") };
    let (port, first_key) = {
        let coffer = Coffer::new(dirs.clone());
        let vault = coffer.local_vault().await.unwrap();
        assert!(vault.is_serving());
        let bucket = coffer.open(None).await.unwrap();
        assert_eq!(bucket.check().await.unwrap(), coffer_engine::Access::ReadWrite, "the vault works out of the box");
        (vault.port(), KeychainEntry::for_local_vault().load().await.unwrap().expect("generated and stored"))
    };
    assert_eq!(first_key.secret_access_key.expose_secret().len(), 40);
    let coffer = Coffer::new(dirs);
    let vault = coffer.local_vault().await.unwrap();
    assert_eq!(vault.port(), port, "the port is remembered so share links survive a restart");
    let again = KeychainEntry::for_local_vault().load().await.unwrap().unwrap();
    assert_eq!(again.access_key_id, first_key.access_key_id, "the key is generated once");
}
