//! Argon2id key derivation for password slots, with the accepted range of its settings.

use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::{Zeroize, Zeroizing};

use super::VaultError;

/// Bytes of key the KDF produces (an AES-256 key).
pub(crate) const KEY_LEN: usize = 32;

/// Argon2id settings of a password slot, stored in the vault header.
///
/// Every value is checked against [`KdfParams::MINIMUM`] and [`KdfParams::MAXIMUM`] before any
/// work is done, whether it comes from a caller or from a file (a hostile file must not make us
/// allocate gigabytes or spin for hours).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KdfParams {
    /// Memory cost in KiB (Argon2 `m`).
    pub memory_kib: u32,
    /// Number of passes over the memory (Argon2 `t`).
    pub iterations: u32,
    /// Number of lanes (Argon2 `p`); lanes are computed on parallel threads.
    pub parallelism: u32,
}

impl KdfParams {
    /// RFC 9106's second recommended setting: 64 MiB, 3 passes, 4 lanes.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    /// The floor: OWASP's cheapest Argon2id setting (19 MiB, 2 passes, 1 lane). Nothing weaker is
    /// ever written or read. Tests and scripts use it to stay fast.
    pub const MINIMUM: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    /// The cap: 2 GiB, 32 passes, 16 lanes.
    ///
    /// 2 GiB is RFC 9106's first recommended setting (the strongest it lists), twice what
    /// password managers such as Bitwarden accept, and still fits the memory of a 4 GiB laptop;
    /// above it a hostile or mistyped header could make the unlock fail for lack of memory or
    /// swap the machine to a halt. 32 passes at 2 GiB already take one to two minutes on one core;
    /// 16 lanes covers today's desktop CPUs (Argon2 gains nothing from lanes beyond the cores).
    pub const MAXIMUM: KdfParams = KdfParams {
        memory_kib: 2 * 1024 * 1024,
        iterations: 32,
        parallelism: 16,
    };

    /// Checks every setting against [`KdfParams::MINIMUM`] and [`KdfParams::MAXIMUM`].
    ///
    /// # Errors
    /// [`VaultError::KdfOutOfRange`] naming the first setting out of range.
    pub fn validate(&self) -> Result<(), VaultError> {
        let checks = [
            (
                "memory (KiB)",
                self.memory_kib,
                Self::MINIMUM.memory_kib,
                Self::MAXIMUM.memory_kib,
            ),
            (
                "iterations",
                self.iterations,
                Self::MINIMUM.iterations,
                Self::MAXIMUM.iterations,
            ),
            (
                "parallelism",
                self.parallelism,
                Self::MINIMUM.parallelism,
                Self::MAXIMUM.parallelism,
            ),
        ];
        for (param, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(VaultError::KdfOutOfRange { param, value, min, max });
            }
        }
        Ok(())
    }

    /// The work of one derivation with these settings, in KiB × passes: Argon2 fills its `m`
    /// blocks of 1 KiB once per pass, so `m × t` block computations. Lanes share that work
    /// between threads and add none of their own (with one lane it all runs on one core, so
    /// `m × t` also bounds the wall time); the peak memory is `m`.
    pub const fn work(&self) -> u64 {
        self.memory_kib as u64 * self.iterations as u64
    }

    /// Derives one key from a fixed sample password and salt with these settings and throws it
    /// away: what one unlock costs, for a caller that wants to time it before choosing.
    ///
    /// # Errors
    /// `KdfOutOfRange`, or `Kdf` when the memory cannot be had.
    pub fn derive_sample(&self) -> Result<(), VaultError> {
        derive_key(b"sample password", &[0x5a; super::format::SALT_LEN], *self).map(drop)
    }
}

/// The most key-derivation work one vault file may ask for, all its password slots together
/// ([`KdfParams::work`] summed): the work of [`KdfParams::MAXIMUM`], the strongest single
/// setting a vault is created with (`Vault::create`, the CLI's `init`). A file whose slots
/// together ask for more is refused before any derivation ([`VaultError::KdfWorkTooHigh`]).
pub const MAX_FILE_WORK: u64 = KdfParams::MAXIMUM.work();

/// Checks that the password slots' settings together stay within [`MAX_FILE_WORK`].
///
/// # Errors
/// [`VaultError::KdfWorkTooHigh`] with the total asked for.
pub(crate) fn check_file_work(slots: impl IntoIterator<Item = KdfParams>) -> Result<(), VaultError> {
    let asked = slots.into_iter().fold(0u64, |sum, p| sum.saturating_add(p.work()));
    if asked > MAX_FILE_WORK {
        return Err(VaultError::KdfWorkTooHigh {
            asked_mib_passes: asked / 1024,
            max_mib_passes: MAX_FILE_WORK / 1024,
        });
    }
    Ok(())
}

// Argon2 needs at least 8 KiB per lane: every accepted setting satisfies it.
const _: () = assert!(KdfParams::MINIMUM.memory_kib >= 8 * KdfParams::MAXIMUM.parallelism);

impl Default for KdfParams {
    fn default() -> KdfParams {
        KdfParams::DEFAULT
    }
}

/// Derives a 256-bit key from a password with Argon2id (version 0x13), after checking the
/// settings are within range.
pub(crate) fn derive_key(
    password: &[u8],
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    params.validate()?;
    let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(KEY_LEN))
        .map_err(|e| VaultError::Kdf { reason: e.to_string() })?;
    // Our own memory, so that it is wiped afterwards (the final blocks determine the key), and
    // so that a refused reservation is an error rather than an abort. With Linux's memory
    // overcommit a reservation beyond free memory usually succeeds and the kernel's OOM killer
    // acts later instead: the cap on `memory_kib` is what bounds the damage.
    let mut blocks: Vec<Block> = Vec::new();
    blocks
        .try_reserve_exact(argon_params.block_count())
        .map_err(|_| VaultError::Kdf {
            reason: format!("not enough memory ({} MiB are needed)", params.memory_kib / 1024),
        })?;
    blocks.resize(argon_params.block_count(), Block::default());
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    let result = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params).hash_password_into_with_memory(
        password,
        salt,
        key.as_mut_slice(),
        blocks.as_mut_slice(),
    );
    blocks.zeroize();
    result.map_err(|e| VaultError::Kdf { reason: e.to_string() })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_derivation_checks_the_settings_first() {
        KdfParams::MINIMUM.derive_sample().expect("derives");
        let too_small = KdfParams {
            memory_kib: 1024,
            ..KdfParams::MINIMUM
        };
        assert!(matches!(
            too_small.derive_sample(),
            Err(VaultError::KdfOutOfRange { .. })
        ));
    }

    #[test]
    fn work_is_memory_times_passes_whatever_the_lanes() {
        assert_eq!(KdfParams::MINIMUM.work(), 19 * 1024 * 2);
        assert_eq!(
            KdfParams {
                parallelism: 16,
                ..KdfParams::MINIMUM
            }
            .work(),
            KdfParams::MINIMUM.work()
        );
        assert_eq!(MAX_FILE_WORK, 2 * 1024 * 1024 * 32);
        assert!(check_file_work([KdfParams::MAXIMUM]).is_ok());
        assert!(check_file_work([KdfParams::DEFAULT; 4]).is_ok());
        assert!(matches!(
            check_file_work([KdfParams::MAXIMUM, KdfParams::MINIMUM]),
            Err(VaultError::KdfWorkTooHigh { .. })
        ));
    }

    #[test]
    fn bounds_are_consistent() {
        assert!(KdfParams::MINIMUM.validate().is_ok());
        assert!(KdfParams::DEFAULT.validate().is_ok());
        assert!(KdfParams::MAXIMUM.validate().is_ok());
    }

    #[test]
    fn each_setting_is_checked_on_both_sides() {
        let base = KdfParams::MINIMUM;
        let cases = [
            (
                KdfParams {
                    memory_kib: base.memory_kib - 1,
                    ..base
                },
                "memory (KiB)",
            ),
            (
                KdfParams {
                    memory_kib: KdfParams::MAXIMUM.memory_kib + 1,
                    ..base
                },
                "memory (KiB)",
            ),
            (KdfParams { iterations: 1, ..base }, "iterations"),
            (
                KdfParams {
                    iterations: KdfParams::MAXIMUM.iterations + 1,
                    ..base
                },
                "iterations",
            ),
            (KdfParams { parallelism: 0, ..base }, "parallelism"),
            (
                KdfParams {
                    parallelism: KdfParams::MAXIMUM.parallelism + 1,
                    ..base
                },
                "parallelism",
            ),
        ];
        for (params, want) in cases {
            match params.validate() {
                Err(VaultError::KdfOutOfRange { param, .. }) => assert_eq!(param, want, "{params:?}"),
                other => panic!("{params:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn derivation_matches_the_argon2_reference() {
        // Expected values computed with Debian's reference C implementation, e.g.
        // `echo -n password | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -r`.
        let cases: [(&[u8], &[u8], KdfParams, &str); 2] = [
            (
                b"password",
                b"somesaltsomesalt",
                KdfParams::MINIMUM,
                "2b5dc4054886ec957ef59c73b661c54dd6fb274590b278f657c6d96aac8fa6d1",
            ),
            (
                b"correct horse",
                b"saltsaltsaltsaltsaltsaltsaltsalt",
                KdfParams {
                    memory_kib: 19456,
                    iterations: 3,
                    parallelism: 2,
                },
                "8ae24822fe8788aa73bc36b24abbeb38c7d221fc0e88131bca9de8763a822266",
            ),
        ];
        for (password, salt, params, want) in cases {
            let key = derive_key(password, salt, params).unwrap();
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, want, "{params:?}");
        }
    }

    #[test]
    fn out_of_range_settings_are_refused_before_any_work() {
        let huge = KdfParams {
            memory_kib: u32::MAX,
            iterations: 2,
            parallelism: 1,
        };
        let started = std::time::Instant::now();
        assert!(matches!(
            derive_key(b"pw", &[0; 32], huge),
            Err(VaultError::KdfOutOfRange { .. })
        ));
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }
}
