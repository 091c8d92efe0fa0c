//! The keyring over a real SQLite file: the lifecycle a gateway and the CLI share.

use rampart_identity::clock::ManualClock;
use rampart_identity::store::{self, sqlite::SqliteKeyStore};
use rampart_identity::{IdentityError, Keyring, NewKey};
use std::sync::Arc;
use std::time::Duration;

fn url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("rampart.db").display())
}

fn new_key(tenant: &str, name: &str) -> NewKey {
    NewKey {
        tenant: tenant.into(),
        name: name.into(),
        ..NewKey::default()
    }
}

#[tokio::test]
async fn create_authenticate_list_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::open(&url(&dir)).await.unwrap();
    let created = keyring
        .create(NewKey {
            models: Some(vec!["gpt-4o-mini".into()]),
            rpm: Some(60),
            tpm: Some(10_000),
            role: Some("admin".into()),
            ..new_key("acme", "billing service")
        })
        .await
        .unwrap();
    let secret = created.key.expose().to_owned();

    let record = keyring
        .authenticate(&secret)
        .await
        .unwrap()
        .expect("fresh key authenticates");
    assert_eq!(record.id, created.record.id);
    assert_eq!(record.tenant, "acme");
    assert_eq!(record.role, "admin");
    assert_eq!(
        record.models.as_deref(),
        Some(&["gpt-4o-mini".to_owned()][..])
    );
    assert_eq!((record.rpm, record.tpm), (Some(60), Some(10_000)));

    // A near miss (one character changed) does not authenticate.
    let mut wrong = secret.clone().into_bytes();
    let last = wrong.len() - 1;
    wrong[last] = if wrong[last] == b'a' { b'b' } else { b'a' };
    assert!(
        keyring
            .authenticate(std::str::from_utf8(&wrong).unwrap())
            .await
            .unwrap()
            .is_none()
    );

    let listed = keyring.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    let json = serde_json::to_string(&listed[0].to_listing_json(0)).unwrap();
    assert!(!json.contains(&secret[3..]), "listing leaks the key");
    assert!(json.contains(&created.record.prefix));

    // The database file holds the hash, never the key.
    let bytes = std::fs::read(dir.path().join("rampart.db")).unwrap();
    let wal = std::fs::read(dir.path().join("rampart.db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        assert!(
            !file.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "key stored in clear"
        );
    }

    let revoked = keyring.revoke(&created.record.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(keyring.authenticate(&secret).await.unwrap().is_none());
    assert!(matches!(
        keyring.revoke("key_nope").await,
        Err(IdentityError::NotFound(_))
    ));
}

#[tokio::test]
async fn revocation_by_another_process_takes_effect_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Two independent pools on the same file: the serving gateway and `rampart keys revoke`.
    let gateway = Keyring::open(&url(&dir)).await.unwrap();
    let cli = Keyring::open(&url(&dir)).await.unwrap();
    let created = cli.create(new_key("acme", "svc")).await.unwrap();
    let secret = created.key.expose();
    assert!(gateway.authenticate(secret).await.unwrap().is_some());
    cli.revoke(&created.record.id).await.unwrap();
    assert!(gateway.authenticate(secret).await.unwrap().is_none());
}

#[tokio::test]
async fn a_suspension_is_seen_by_another_process_and_listed_until_lifted() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Keyring::open(&url(&dir)).await.unwrap();
    let cli = Keyring::open(&url(&dir)).await.unwrap();
    let created = cli.create(new_key("acme", "agent")).await.unwrap();
    let first = gateway.suspend(&created.record.id).await.unwrap();
    // Suspending again keeps the first time.
    let again = gateway.suspend(&created.record.id).await.unwrap();
    assert_eq!(first.suspended_at, again.suspended_at);
    let listed = cli.list().await.unwrap();
    assert_eq!(listed[0].status(first.created_at), "suspended");
    let seen = gateway
        .authenticate(created.key.expose())
        .await
        .unwrap()
        .unwrap();
    assert!(seen.suspended_at.is_some());
    let lifted = cli.unsuspend(&created.record.id).await.unwrap();
    assert_eq!(lifted.status(first.created_at), "active");
    assert!(matches!(
        cli.unsuspend("key_nope").await,
        Err(rampart_identity::IdentityError::NotFound(_))
    ));
}

#[tokio::test]
async fn expired_keys_do_not_authenticate() {
    let clock = ManualClock::new(Duration::from_secs(1_800_000_000));
    let store = store::open("sqlite::memory:").await.unwrap();
    let keyring = Keyring::with_clock(store, Arc::new(clock.clone()));
    let created = keyring
        .create(NewKey {
            expires_at: Some(1_800_000_060),
            ..new_key("acme", "temp")
        })
        .await
        .unwrap();
    assert!(
        keyring
            .authenticate(created.key.expose())
            .await
            .unwrap()
            .is_some()
    );
    clock.advance(Duration::from_secs(59));
    assert!(
        keyring
            .authenticate(created.key.expose())
            .await
            .unwrap()
            .is_some()
    );
    clock.advance(Duration::from_secs(1));
    assert!(
        keyring
            .authenticate(created.key.expose())
            .await
            .unwrap()
            .is_none()
    );
    let listed = keyring.list().await.unwrap();
    assert_eq!(listed[0].status(clock_secs(&clock)), "expired");
}

fn clock_secs(clock: &ManualClock) -> i64 {
    use rampart_identity::clock::Clock;
    clock.now_unix_secs()
}

#[tokio::test]
async fn records_survive_reopening_and_migrations_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let secret = {
        let keyring = Keyring::open(&url(&dir)).await.unwrap();
        keyring.create(new_key("t1", "a")).await.unwrap();
        keyring.create(new_key("t2", "b")).await.unwrap().key
    };
    let keyring = Keyring::open(&url(&dir)).await.unwrap();
    assert_eq!(keyring.list().await.unwrap().len(), 2);
    assert_eq!(
        keyring
            .authenticate(secret.expose())
            .await
            .unwrap()
            .unwrap()
            .tenant,
        "t2"
    );
    // The same tables through an explicitly shared pool.
    let pool = rampart_identity::store::sqlite::open_pool(&url(&dir))
        .await
        .unwrap();
    let store = SqliteKeyStore::with_pool(pool).await.unwrap();
    assert_eq!(
        rampart_identity::store::KeyStore::list(&store)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn invalid_requests_and_storage_urls_are_refused_with_the_reason() {
    let keyring = Keyring::open("sqlite::memory:").await.unwrap();
    let err = keyring
        .create(new_key("bad tenant!", "x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tenant"), "{err}");
    assert!(keyring.list().await.unwrap().is_empty());
    let err = Keyring::open("mysql://localhost/db").await.unwrap_err();
    assert!(matches!(err, IdentityError::UnsupportedStorage(_)));
}

#[tokio::test]
async fn malformed_presented_keys_are_refused_without_error() {
    let keyring = Keyring::open("sqlite::memory:").await.unwrap();
    for garbage in [
        "",
        "Bearer",
        "rk-",
        "sk-live-123",
        "rk-\u{0}\u{1}",
        &"x".repeat(10_000),
    ] {
        assert!(keyring.authenticate(garbage).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_rotated_key_works_until_its_overlap_ends_and_an_early_revocation_wins() {
    let clock = ManualClock::new(Duration::from_secs(1_800_000_000));
    let store = store::open("sqlite::memory:").await.unwrap();
    let keyring = Keyring::with_clock(store, Arc::new(clock.clone()));
    let old = keyring
        .create(NewKey {
            role: Some("tenant_admin".into()),
            rpm: Some(30),
            ..new_key("acme", "deploy bot")
        })
        .await
        .unwrap();
    let (new, old_record) = keyring.rotate(&old.record.id, 300).await.unwrap();
    assert_ne!(new.record.id, old.record.id);
    assert_eq!(
        (
            new.record.tenant.as_str(),
            new.record.role.as_str(),
            new.record.rpm
        ),
        ("acme", "tenant_admin", Some(30))
    );
    assert_eq!(old_record.revoked_at, Some(1_800_000_300));
    assert_eq!(old_record.status(clock_secs(&clock)), "rotating");
    let works = |secret: String| {
        let keyring = keyring.clone();
        async move { keyring.authenticate(&secret).await.unwrap().is_some() }
    };
    assert!(works(old.key.expose().to_owned()).await);
    assert!(works(new.key.expose().to_owned()).await);
    clock.advance(Duration::from_secs(299));
    assert!(works(old.key.expose().to_owned()).await);
    clock.advance(Duration::from_secs(1));
    assert!(!works(old.key.expose().to_owned()).await, "overlap over");
    assert!(works(new.key.expose().to_owned()).await);
    // A revoked key cannot be rotated.
    assert!(matches!(
        keyring.rotate(&old.record.id, 60).await,
        Err(IdentityError::Invalid { field: "id", .. })
    ));

    // Revoking a rotating key ends its overlap at once; a later revocation never
    // postpones it.
    let (_newer, rotating) = keyring.rotate(&new.record.id, 600).await.unwrap();
    assert_eq!(rotating.status(clock_secs(&clock)), "rotating");
    let now = clock_secs(&clock);
    let revoked = keyring.revoke(&new.record.id).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(now));
    assert!(!works(new.key.expose().to_owned()).await);
    clock.advance(Duration::from_secs(5));
    let again = keyring.revoke(&new.record.id).await.unwrap();
    assert_eq!(again.revoked_at, Some(now));
}
