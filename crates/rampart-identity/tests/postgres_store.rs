//! The keyring over a real PostgreSQL. Runs when `RAMPART_TEST_POSTGRES_URL` is set (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), `#[ignore]`d otherwise
//! (`cargo test -- --ignored` runs it and fails without the URL).

use rampart_identity::{Keyring, NewKey};

fn url() -> String {
    std::env::var("RAMPART_TEST_POSTGRES_URL").expect("RAMPART_TEST_POSTGRES_URL must name a test server: this test is #[ignore]d so that a missing service is reported as skipped, never as passed")
}

#[tokio::test]
#[ignore = "needs RAMPART_TEST_POSTGRES_URL (scripts/test runs it with --ignored when set)"]
async fn keys_round_trip_and_revocation_is_seen_by_another_replica() {
    let url = url();
    let cli = Keyring::open(&url).await.expect("connect and migrate");
    let gateway = Keyring::open(&url).await.expect("second replica");
    let tenant = rampart_identity::key::new_id("t").expect("random tenant");
    let created = cli
        .create(NewKey {
            tenant: tenant.clone(),
            name: "pg test".into(),
            models: Some(vec!["gpt-4o-mini".into()]),
            rpm: Some(60),
            tpm: Some(5_000_000_000),
            ..NewKey::default()
        })
        .await
        .expect("create");
    let record = gateway
        .authenticate(created.key.expose())
        .await
        .expect("lookup")
        .expect("fresh key authenticates");
    assert_eq!(record.tenant, tenant);
    assert_eq!(record.tpm, Some(5_000_000_000));
    assert_eq!(
        record.models.as_deref(),
        Some(&["gpt-4o-mini".to_owned()][..])
    );
    assert!(
        cli.list()
            .await
            .unwrap()
            .iter()
            .any(|k| k.id == created.record.id)
    );

    // Suspension (`[auth.suspend]`) by one replica is seen by another, and lifted by
    // `rampart keys unsuspend`.
    let suspended = gateway.suspend(&created.record.id).await.expect("suspend");
    assert!(suspended.suspended_at.is_some());
    let seen = cli
        .authenticate(created.key.expose())
        .await
        .unwrap()
        .expect("a suspended key is still found, to be refused as suspended");
    assert_eq!(seen.suspended_at, suspended.suspended_at);
    assert!(
        cli.unsuspend(&created.record.id)
            .await
            .unwrap()
            .suspended_at
            .is_none()
    );

    cli.revoke(&created.record.id).await.expect("revoke");
    assert!(
        gateway
            .authenticate(created.key.expose())
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        cli.revoke("key_absent").await,
        Err(rampart_identity::IdentityError::NotFound(_))
    ));
}
