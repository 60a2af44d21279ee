//! Passwords: Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes — OWASP's minimum),
//! stored as PHC strings; strength judged by zxcvbn (score 3 of 4 or more: beyond 10^10
//! guesses) plus a 10-character minimum. Hashing runs on the blocking pool: it takes tens of
//! milliseconds by design.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::distributions::{Alphanumeric, DistString};

pub const MIN_CHARS: usize = 10;
/// The longest password accepted (Argon2 takes any length; this bounds the work).
pub const MAX_CHARS: usize = 256;

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    TooLong,
    /// zxcvbn finds it guessable (a common word, a name, a sequence, the email…).
    TooCommon,
}

/// Checks a new password; `related` are words it must not lean on (email, names).
pub fn check_strength(password: &str, related: &[&str]) -> Result<(), Weakness> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(Weakness::TooLong);
    }
    let estimate = zxcvbn::zxcvbn(password, related);
    if estimate.score() < zxcvbn::Score::Three {
        return Err(Weakness::TooCommon);
    }
    Ok(())
}

/// The Argon2id hash of a password, as a PHC string.
pub async fn hash(password: &str) -> String {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .expect("hashing does not panic")
}

fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters hashes any password")
        .to_string()
}

/// True when `password` matches `hash`. `None` for the hash runs the same work against a
/// fixed hash, so a sign-in for an unknown email takes as long as one for a known email.
pub async fn verify(hash: Option<String>, password: &str) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && known
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_now("not a password anyone has"))
}

/// A new one-time password: 16 letters and digits (about 95 bits).
pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength() {
        assert_eq!(check_strength("short", &[]), Err(Weakness::TooShort));
        assert_eq!(check_strength("password123", &[]), Err(Weakness::TooCommon));
        assert_eq!(check_strength("1234567890", &[]), Err(Weakness::TooCommon));
        assert_eq!(
            check_strength("shop@example.com", &["shop@example.com"]),
            Err(Weakness::TooCommon)
        );
        assert_eq!(check_strength("Sóng-biển-Hạ-Long-2026", &[]), Ok(()));
        assert_eq!(check_strength(&generate(), &[]), Ok(()));
    }

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash("Sóng-biển-Hạ-Long-2026").await;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(Some(h.clone()), "Sóng-biển-Hạ-Long-2026").await);
        assert!(!verify(Some(h), "wrong").await);
        assert!(!verify(None, "not a password anyone has").await);
    }
}
