//! Contact tokens: HS256 JWTs over `{source_id, inbox_id, exp, iat}`, as the platform issues them,
//! signed with a server secret persisted in the data directory.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims of a contact token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The contact_inbox source id.
    pub source_id: String,
    /// The inbox id.
    pub inbox_id: u64,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// Not HS256.
    Algorithm,
    /// The signature does not match.
    Signature,
    /// `exp` has passed.
    Expired,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "malformed auth token",
            TokenError::Algorithm => "auth token is not HS256",
            TokenError::Signature => "auth token signature does not verify",
            TokenError::Expired => "auth token has expired",
        })
    }
}

impl std::error::Error for TokenError {}

/// Signs and verifies contact tokens.
#[derive(Clone)]
pub struct TokenSigner {
    secret: Vec<u8>,
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

impl TokenSigner {
    /// A signer with this secret.
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    /// Loads the secret from `data_dir/token.key` (hex), creating a random 32-byte one first.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        Ok(Self::new(load_or_create_secret(
            &data_dir.join("token.key"),
        )?))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length.
        HmacSha256::new_from_slice(&self.secret).expect("hmac accepts any key length")
    }

    /// Encodes and signs `claims`.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(HEADER);
        let payload =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise to JSON"));
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac();
        mac.update(signing_input.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{sig}")
    }

    /// Verifies the signature and expiry (against `now`, Unix seconds) and returns the claims.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: serde_json::Value = URL_SAFE_NO_PAD
            .decode(h)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
            return Err(TokenError::Algorithm);
        }
        let sig = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(p.as_bytes());
        mac.verify_slice(&sig).map_err(|_| TokenError::Signature)?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

/// Reads a hex secret from `path`, or writes a new random 32-byte one there (mode 0600 on Unix).
pub fn load_or_create_secret(path: &Path) -> std::io::Result<Vec<u8>> {
    if let Ok(text) = std::fs::read_to_string(path) {
        if let Ok(bytes) = hex::decode(text.trim()) {
            if !bytes.is_empty() {
                return Ok(bytes);
            }
        }
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} does not hold a hex secret", path.display()),
        ));
    }
    let secret: [u8; 32] = rand::random();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, hex::encode(secret))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(secret.to_vec())
}

/// A random secret for a webhook subscription, hex.
pub fn random_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// `sha256=<hex HMAC-SHA256(secret, "{timestamp}.{body}")>`, the `X-Evolvy-Signature` value.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("hmac accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            source_id: "abc".into(),
            inbox_id: 1,
            exp,
            iat: 100,
        }
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let s = TokenSigner::new(b"k".to_vec());
        let t = s.sign(&claims(200));
        assert_eq!(s.verify(&t, 150).unwrap(), claims(200));
        assert_eq!(s.verify(&t, 200), Err(TokenError::Expired));
        assert_eq!(
            TokenSigner::new(b"other".to_vec()).verify(&t, 150),
            Err(TokenError::Signature)
        );
        let mut forged = t.clone();
        forged.push('A');
        assert!(s.verify(&forged, 150).is_err());
        assert_eq!(s.verify("a.b", 150), Err(TokenError::Malformed));
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            t.split('.').nth(1).unwrap()
        );
        assert_eq!(s.verify(&none, 150), Err(TokenError::Algorithm));
    }

    #[test]
    fn signature_matches_a_known_vector() {
        // echo -n '1700000000.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            webhook_signature("secret", 1_700_000_000, b"{}"),
            "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }
}
