//! Keychain unlock (`vault::keychain`) against the in-memory key store: enabling, opening without
//! a password, every way the keychain side can fail (each falls back to the password), disabling,
//! password changes, the slot's byte layout, and v1 files written before the slot existed.

use std::path::{Path, PathBuf};

use smartpush_core::vault::keychain::{
    self, AfterPasswordChange, EntryRemoval, EntryState, KeyStore, KeychainError, KeychainStatus, MemoryKeyStore,
    SERVICE,
};
use smartpush_core::vault::test_support::fix_checksum;
use smartpush_core::vault::{KdfParams, Vault, VaultError};
use smartpush_core::{AccountDraft, SecretString};

fn password() -> SecretString {
    SecretString::new("hunter2 hunter2")
}

fn new_vault(dir: &Path, name: &str) -> (PathBuf, Vault) {
    let path = dir.join(name);
    let mut vault = Vault::create(&path, &password(), KdfParams::MINIMUM).unwrap();
    vault.data_mut().add(
        AccountDraft {
            issuer: "SmartPush".into(),
            name: name.into(),
            ..Default::default()
        },
        1_700_000_000,
    );
    vault.save().unwrap();
    (path, vault)
}

fn enabled_entry(status: KeychainStatus) -> (String, EntryState) {
    match status {
        KeychainStatus::Enabled { entry, state } => (entry, state),
        KeychainStatus::Disabled => panic!("keychain unlock should be enabled"),
    }
}

#[test]
fn enabling_stores_a_key_and_the_vault_then_opens_without_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    assert_eq!(keychain::status(&path, &store).unwrap(), KeychainStatus::Disabled);
    assert!(!keychain::is_enabled(&path).unwrap());

    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().expect("an entry name");
    assert!(entry.starts_with("vault-") && entry.len() == 6 + 32, "{entry}");
    assert_eq!(store.entries(), vec![entry.clone()]);
    // The stored secret is a random 32-byte key, not the password nor the master key's wrap.
    let secret = store.get(&entry).unwrap().unwrap();
    assert_eq!(secret.len(), 32);
    assert!(
        !secret
            .windows(password().expose().len())
            .any(|w| w == password().expose().as_bytes())
    );

    assert!(keychain::is_enabled(&path).unwrap());
    assert_eq!(
        keychain::status(&path, &store).unwrap(),
        KeychainStatus::Enabled {
            entry: entry.clone(),
            state: EntryState::Present
        }
    );
    let opened = Vault::open_with_keychain(&path, &store).unwrap();
    assert_eq!(opened.data(), vault.data());
    assert_eq!(opened.kdf(), KdfParams::MINIMUM);
    // The password still opens it.
    assert_eq!(Vault::open(&path, &password()).unwrap().data(), vault.data());
    assert!(matches!(
        Vault::open(&path, &SecretString::new("wrong")),
        Err(VaultError::WrongPassword)
    ));
}

#[test]
fn ordinary_saves_keep_the_slot_working() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    drop(vault);
    let mut vault = Vault::open_for_update_with_keychain(&path, &store).unwrap();
    vault.data_mut().add(
        AccountDraft {
            issuer: "Second".into(),
            ..Default::default()
        },
        1_700_000_100,
    );
    vault.save().unwrap();
    drop(vault);
    let reopened = Vault::open_with_keychain(&path, &store).unwrap();
    assert_eq!(reopened.data().accounts.len(), 2);
    assert_eq!(Vault::open(&path, &password()).unwrap().data().accounts.len(), 2);
}

#[test]
fn two_vaults_have_their_own_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (a_path, mut a) = new_vault(dir.path(), "a.spv");
    let (b_path, mut b) = new_vault(dir.path(), "b.spv");
    let store = MemoryKeyStore::new();
    a.enable_keychain(&store).unwrap();
    b.enable_keychain(&store).unwrap();
    assert_ne!(a.keychain_entry(), b.keychain_entry());
    assert_eq!(store.entries().len(), 2);
    assert_eq!(
        Vault::open_with_keychain(&a_path, &store).unwrap().data().accounts[0].name,
        "a.spv"
    );
    assert_eq!(
        Vault::open_with_keychain(&b_path, &store).unwrap().data().accounts[0].name,
        "b.spv"
    );
    // Disabling one leaves the other alone.
    a.disable_keychain(&store).unwrap();
    assert_eq!(store.entries(), vec![b.keychain_entry().unwrap()]);
    assert!(Vault::open_with_keychain(&b_path, &store).is_ok());
}

#[test]
fn a_removed_entry_is_reported_and_the_password_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    assert!(store.delete(&entry).unwrap());

    let err = Vault::open_with_keychain(&path, &store).unwrap_err();
    assert!(
        matches!(&err, KeychainError::EntryMissing { entry: e } if *e == entry),
        "{err}"
    );
    assert!(err.password_may_work());
    assert!(err.to_string().contains("was removed"), "{err}");
    assert_eq!(
        enabled_entry(keychain::status(&path, &store).unwrap()).1,
        EntryState::Missing
    );
    assert!(Vault::open(&path, &password()).is_ok());

    // Enabling again repairs it, with a new entry.
    let mut vault = Vault::open_for_update(&path, &password()).unwrap();
    vault.enable_keychain(&store).unwrap();
    assert_ne!(vault.keychain_entry().unwrap(), entry);
    assert_eq!(store.entries().len(), 1);
    assert!(Vault::open_with_keychain(&path, &store).is_ok());
}

#[test]
fn an_entry_holding_another_key_is_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    for other in [vec![7u8; 32], vec![1u8; 31], Vec::new(), b"hunter2 hunter2".to_vec()] {
        store.set(&entry, &other).unwrap();
        let err = Vault::open_with_keychain(&path, &store).unwrap_err();
        assert!(matches!(err, KeychainError::Mismatch { .. }), "{err}");
        assert!(err.password_may_work());
        assert_eq!(
            enabled_entry(keychain::status(&path, &store).unwrap()).1,
            EntryState::Mismatch
        );
    }
    assert!(Vault::open(&path, &password()).is_ok());
}

#[test]
fn an_unavailable_keychain_is_reported_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let before = std::fs::read(&path).unwrap();
    let store = MemoryKeyStore::new();
    store.set_unavailable(Some("no session bus"));
    let err = vault.enable_keychain(&store).unwrap_err();
    assert!(matches!(err, KeychainError::Unavailable(_)), "{err}");
    assert_eq!(err.to_string(), "the system keychain is unavailable: no session bus");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
    assert_eq!(vault.keychain_entry(), None);

    store.set_unavailable(None);
    vault.enable_keychain(&store).unwrap();
    store.set_unavailable(Some("no session bus"));
    let err = Vault::open_with_keychain(&path, &store).unwrap_err();
    assert!(
        matches!(err, KeychainError::Unavailable(_)) && err.password_may_work(),
        "{err}"
    );
    assert_eq!(
        enabled_entry(keychain::status(&path, &store).unwrap()).1,
        EntryState::Unavailable("no session bus".into())
    );
}

#[test]
fn a_vault_without_the_slot_is_not_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    let err = Vault::open_with_keychain(&path, &store).unwrap_err();
    assert!(
        matches!(err, KeychainError::NotEnabled) && err.password_may_work(),
        "{err}"
    );
    assert!(matches!(vault.disable_keychain(&store), Err(KeychainError::NotEnabled)));
    // Vault errors are not keychain trouble: the password cannot fix a missing file.
    let err = Vault::open_with_keychain(&dir.path().join("missing.spv"), &store).unwrap_err();
    assert!(
        matches!(err, KeychainError::Vault(VaultError::NotFound(_))) && !err.password_may_work(),
        "{err}"
    );
}

#[test]
fn disabling_removes_the_slot_and_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    assert_eq!(vault.disable_keychain(&store).unwrap(), EntryRemoval::Removed);
    assert!(store.entries().is_empty());
    assert!(!keychain::is_enabled(&path).unwrap());
    assert!(matches!(
        Vault::open_with_keychain(&path, &store),
        Err(KeychainError::NotEnabled)
    ));
    assert!(Vault::open(&path, &password()).is_ok());

    // An entry already gone, and a keychain that cannot delete it: the slot goes all the same.
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    store.delete(&entry).unwrap();
    assert_eq!(vault.disable_keychain(&store).unwrap(), EntryRemoval::WasMissing);
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    store.set_unavailable(Some("locked"));
    match vault.disable_keychain(&store).unwrap() {
        EntryRemoval::Failed { entry: e, .. } => assert_eq!(e, entry),
        other => panic!("{other:?}"),
    }
    assert!(!keychain::is_enabled(&path).unwrap());
}

#[test]
fn a_password_change_rewraps_the_keychain_slot_under_a_new_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let old_entry = vault.keychain_entry().unwrap();
    let new_password = SecretString::new("a new password");
    let outcome = vault
        .change_password_keeping_keychain(&new_password, None, &store)
        .unwrap();
    assert!(matches!(outcome, AfterPasswordChange::Kept), "{outcome:?}");
    let new_entry = vault.keychain_entry().unwrap();
    assert_ne!(new_entry, old_entry);
    assert_eq!(store.entries(), vec![new_entry], "the old entry is deleted");
    assert!(Vault::open_with_keychain(&path, &store).is_ok());
    assert!(Vault::open(&path, &new_password).is_ok());
    assert!(matches!(
        Vault::open(&path, &password()),
        Err(VaultError::WrongPassword)
    ));
    // Neither the file nor its backup opens with the old password.
    assert!(matches!(
        Vault::open(&Vault::backup_path(&path), &password()),
        Err(VaultError::WrongPassword)
    ));
}

#[test]
fn a_password_change_without_the_keychain_turns_keychain_unlock_off() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    store.set_unavailable(Some("locked"));
    let new_password = SecretString::new("a new password");
    let outcome = vault
        .change_password_keeping_keychain(&new_password, None, &store)
        .unwrap();
    match outcome {
        AfterPasswordChange::Dropped(e) => assert!(matches!(e, KeychainError::Unavailable(_)), "{e}"),
        other => panic!("{other:?}"),
    }
    assert!(!keychain::is_enabled(&path).unwrap());
    assert!(Vault::open(&path, &new_password).is_ok());

    // Without keychain unlock, nothing to keep.
    store.set_unavailable(None);
    let outcome = vault
        .change_password_keeping_keychain(&password(), None, &store)
        .unwrap();
    assert!(matches!(outcome, AfterPasswordChange::NotEnabled));
}

/// Offset of the first slot: magic 8, version 2, header length 4, slot count 1.
const SLOTS_AT: usize = 15;
/// A password slot: kind 1, length 2, body 104.
const PASSWORD_SLOT: usize = 3 + 104;

#[test]
fn the_keychain_slot_layout_matches_the_format_document() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[8..10], &[1, 0], "still format version 1");
    assert_eq!(
        u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize,
        1 + PASSWORD_SLOT + 3 + 76
    );
    assert_eq!(bytes[14], 2, "two slots");
    assert_eq!(bytes[SLOTS_AT], 1, "password slot first");
    let k = SLOTS_AT + PASSWORD_SLOT;
    assert_eq!(bytes[k], 2, "then the keychain slot");
    assert_eq!(u16::from_le_bytes([bytes[k + 1], bytes[k + 2]]), 76);
    let entry_id = &bytes[k + 3..k + 3 + 16];
    let hex: String = entry_id.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(vault.keychain_entry().unwrap(), format!("vault-{hex}"));
    assert_eq!(SERVICE, "smartpush-authenticator");
}

#[test]
fn a_tampered_keychain_slot_opens_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let good = std::fs::read(&path).unwrap();
    let k = SLOTS_AT + PASSWORD_SLOT + 3;
    for at in [k, k + 15, k + 16, k + 27, k + 28, k + 75] {
        let mut bytes = good.clone();
        bytes[at] ^= 0x01;
        fix_checksum(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let err = Vault::open_with_keychain(&path, &store).unwrap_err();
        // The entry id names another entry; a changed nonce or wrap fails its tag.
        assert!(
            matches!(err, KeychainError::EntryMissing { .. } | KeychainError::Mismatch { .. }),
            "byte {at}: {err}"
        );
        // The header is the payload's associated data, so the password sees the tampering too.
        assert!(
            matches!(Vault::open(&path, &password()), Err(VaultError::Damaged { .. })),
            "byte {at}"
        );
    }
    // A keychain slot of the wrong length is damage, not an unknown slot.
    let mut bytes = good.clone();
    bytes[k - 2] = 75;
    fix_checksum(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Vault::open_with_keychain(&path, &store),
        Err(KeychainError::Vault(VaultError::Damaged { .. }))
    ));
}

#[test]
fn a_newer_format_is_still_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8] = 9;
    fix_checksum(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    let err = Vault::open_with_keychain(&path, &store).unwrap_err();
    assert!(
        matches!(err, KeychainError::Vault(VaultError::NewerVersion { found: 9, .. })) && !err.password_may_work(),
        "{err}"
    );
}

#[test]
fn the_v1_fixture_opens_and_takes_a_keychain_slot() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vault-v1.spavault");
    let store = MemoryKeyStore::new();
    assert_eq!(keychain::status(&fixture, &store).unwrap(), KeychainStatus::Disabled);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.spv");
    std::fs::copy(&fixture, &path).unwrap();
    let pw = SecretString::new("correct horse battery staple");
    let expected = Vault::open(&fixture, &pw).unwrap().data().clone();
    let mut vault = Vault::open_for_update(&path, &pw).unwrap();
    vault.enable_keychain(&store).unwrap();
    drop(vault);
    assert_eq!(Vault::open_with_keychain(&path, &store).unwrap().data(), &expected);
    assert_eq!(Vault::open(&path, &pw).unwrap().data(), &expected);
}

#[test]
fn errors_and_debug_output_hold_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), "v.spv");
    let store = MemoryKeyStore::new();
    vault.enable_keychain(&store).unwrap();
    let entry = vault.keychain_entry().unwrap();
    let key = store.get(&entry).unwrap().unwrap();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let debug = format!("{store:?} {vault:?}");
    assert!(debug.contains(&entry));
    assert!(!debug.contains(&hex) && !debug.contains(&format!("{:?}", key.as_slice())));
    store.set(&entry, &[9u8; 32]).unwrap();
    let err = Vault::open_with_keychain(&path, &store).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&hex));
}
