//! The shape of a token secret: `tsr_`, 43 base62 characters of randomness (≥ 256 bits),
//! then a 6-character base62 CRC32 of those 43. Letters and digits only after the prefix,
//! so a double-click selects the whole token; the checksum lets a typo or a random string
//! be refused without a database look-up.

use std::fmt;

/// Every token starts with this.
pub const PREFIX: &str = "tsr_";
/// Random base62 characters: 43 × log2(62) ≈ 256.03 bits.
pub const BODY_LEN: usize = 43;
/// Base62 digits of the CRC32 (62⁶ > 2³²).
pub const CHECKSUM_LEN: usize = 6;
/// Length of a whole token.
pub const TOKEN_LEN: usize = PREFIX.len() + BODY_LEN + CHECKSUM_LEN;
/// How many leading characters may be shown (the prefix and 6 random characters).
pub const DISPLAY_LEN: usize = 10;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A token secret in full. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

/// Why a string is not a token. Callers facing clients must not say which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MalformedToken {
    #[error("a token starts with {PREFIX}")]
    Prefix,
    #[error("a token is {TOKEN_LEN} characters long")]
    Length,
    #[error("a token holds only letters and digits after {PREFIX}")]
    Character,
    #[error("the token's checksum does not match (is it mistyped?)")]
    Checksum,
}

impl TokenSecret {
    /// A new secret from `fill`, which must fill its buffer from a CSPRNG.
    pub fn generate(mut fill: impl FnMut(&mut [u8])) -> TokenSecret {
        let mut body = String::with_capacity(BODY_LEN);
        let mut buffer = [0u8; 64];
        while body.len() < BODY_LEN {
            fill(&mut buffer);
            for byte in buffer {
                // 248 = 4 × 62: rejecting the rest keeps every character uniform.
                if byte < 248 && body.len() < BODY_LEN {
                    body.push(ALPHABET[usize::from(byte % 62)] as char);
                }
            }
        }
        let mut secret = String::with_capacity(TOKEN_LEN);
        secret.push_str(PREFIX);
        secret.push_str(&body);
        secret.extend(checksum_digits(&body).map(char::from));
        TokenSecret(secret)
    }

    /// Checks the shape and checksum of `text` (surrounding whitespace is ignored).
    pub fn parse(text: &str) -> Result<TokenSecret, MalformedToken> {
        PresentedToken::parse(text).map(|token| TokenSecret(token.0.to_owned()))
    }

    /// The secret as a borrowed, already checked token.
    pub fn as_presented(&self) -> PresentedToken<'_> {
        PresentedToken(&self.0)
    }

    /// The whole secret, for hashing, sealing, or showing its owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The part that may be stored in clear and displayed.
    pub fn display_prefix(&self) -> &str {
        &self.0[..DISPLAY_LEN]
    }
}

/// A token secret checked in place, without a copy: what a request presents is checked on
/// every call, and only needs hashing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PresentedToken<'a>(&'a str);

impl<'a> PresentedToken<'a> {
    /// Checks the shape and checksum of `text` (surrounding whitespace is ignored).
    pub fn parse(text: &'a str) -> Result<PresentedToken<'a>, MalformedToken> {
        let text = text.trim();
        let rest = text.strip_prefix(PREFIX).ok_or(MalformedToken::Prefix)?;
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(MalformedToken::Character);
        }
        if text.len() != TOKEN_LEN {
            return Err(MalformedToken::Length);
        }
        let (body, sum) = rest.split_at(BODY_LEN);
        if checksum_digits(body) != sum.as_bytes() {
            return Err(MalformedToken::Checksum);
        }
        Ok(PresentedToken(text))
    }

    /// The whole secret, for hashing.
    pub fn expose(self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for PresentedToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PresentedToken({}…)", &self.0[..DISPLAY_LEN])
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret({}…)", self.display_prefix())
    }
}

/// What a pasted token value finds: a whole, well-formed token is found by its digest;
/// anything else is taken as the first characters of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenSearch<'a> {
    Whole(PresentedToken<'a>),
    Prefix(&'a str),
}

impl<'a> TokenSearch<'a> {
    pub fn new(text: &'a str) -> TokenSearch<'a> {
        match PresentedToken::parse(text) {
            Ok(token) => TokenSearch::Whole(token),
            Err(_) => TokenSearch::Prefix(text.trim()),
        }
    }
}

/// Whether typed characters may be the start of the token whose stored display prefix is
/// `display_prefix`: all that is stored in clear is compared (case matters in a token).
pub fn prefix_matches(display_prefix: &str, typed: &str) -> bool {
    if typed.len() <= display_prefix.len() {
        display_prefix.starts_with(typed)
    } else {
        typed.starts_with(display_prefix)
    }
}

/// How a stored token is shown: its display prefix, then dots.
pub fn masked(display_prefix: &str) -> String {
    format!("{display_prefix}{}", "•".repeat(12))
}

/// The CRC32 of `body` in base62 digits.
fn checksum_digits(body: &str) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pasted_value_is_a_whole_token_or_a_prefix() {
        let secret = TokenSecret::generate(|b| b.fill(7));
        assert_eq!(
            TokenSearch::new(&format!(" {} ", secret.expose())),
            TokenSearch::Whole(secret.as_presented())
        );
        let broken = &secret.expose()[..TOKEN_LEN - 1];
        assert_eq!(TokenSearch::new(broken), TokenSearch::Prefix(broken));
        let shown = secret.display_prefix();
        assert!(prefix_matches(shown, "tsr_"));
        assert!(prefix_matches(shown, shown));
        assert!(
            prefix_matches(shown, broken),
            "longer than what is stored: compared as far as stored"
        );
        assert!(!prefix_matches(
            shown,
            &shown.to_lowercase().replace("tsr_", "TSR_")
        ));
        assert!(!prefix_matches(shown, "tsr_zzzzzzzzzz"));
    }

    use super::*;

    /// A deterministic stand-in for the CSPRNG, so tests are repeatable.
    fn counter() -> impl FnMut(&mut [u8]) {
        let mut next = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                *b = next;
                next = next.wrapping_add(37);
            }
        }
    }

    #[test]
    fn generated_tokens_have_the_documented_shape_and_parse() {
        let token = TokenSecret::generate(counter());
        let text = token.expose();
        assert_eq!(text.len(), TOKEN_LEN);
        assert!(text.starts_with("tsr_"));
        assert!(text[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(TokenSecret::parse(text), Ok(token.clone()));
        assert_eq!(
            TokenSecret::parse(&format!("  {text}\n")),
            Ok(token.clone())
        );
        let padded = format!("  {text}\n");
        let presented = PresentedToken::parse(&padded).expect("checked in place");
        assert_eq!(presented, token.as_presented());
        assert_eq!(presented.expose(), text);
        assert!(!format!("{presented:?}").contains(&text[10..]));
    }

    #[test]
    fn different_randomness_gives_different_tokens() {
        let mut seed = 1u64;
        let mut xorshift = move |buf: &mut [u8]| {
            for b in buf {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                *b = seed as u8;
            }
        };
        let a = TokenSecret::generate(&mut xorshift);
        let b = TokenSecret::generate(&mut xorshift);
        assert_ne!(a, b);
    }

    #[test]
    fn bytes_from_248_up_are_rejected_so_characters_stay_uniform() {
        // Only bytes ≥ 248 at first: the generator must keep asking for more.
        let mut calls = 0;
        let token = TokenSecret::generate(|buf: &mut [u8]| {
            calls += 1;
            buf.fill(if calls < 3 { 255 } else { 61 });
        });
        assert!(calls >= 3);
        assert_eq!(&token.expose()[4..4 + BODY_LEN], "z".repeat(BODY_LEN));
    }

    #[test]
    fn a_single_typo_is_caught_by_the_checksum() {
        let token = TokenSecret::generate(counter());
        let text = token.expose();
        for position in 4..TOKEN_LEN {
            let mut bytes = text.as_bytes().to_vec();
            bytes[position] = if bytes[position] == b'a' { b'b' } else { b'a' };
            let typo = String::from_utf8(bytes).unwrap();
            assert_eq!(
                TokenSecret::parse(&typo),
                Err(MalformedToken::Checksum),
                "{position}"
            );
        }
    }

    #[test]
    fn malformed_strings_say_what_is_wrong() {
        let token = TokenSecret::generate(counter());
        let text = token.expose();
        assert_eq!(
            TokenSecret::parse(&text.replacen("tsr_", "tsk_", 1)),
            Err(MalformedToken::Prefix)
        );
        assert_eq!(
            TokenSecret::parse(&text[..TOKEN_LEN - 1]),
            Err(MalformedToken::Length)
        );
        assert_eq!(
            TokenSecret::parse(&format!("{text}0")),
            Err(MalformedToken::Length)
        );
        assert_eq!(
            TokenSecret::parse("tsr_abc-def"),
            Err(MalformedToken::Character)
        );
        assert_eq!(TokenSecret::parse(""), Err(MalformedToken::Prefix));
        let random = format!("tsr_{}", "A".repeat(BODY_LEN + CHECKSUM_LEN));
        assert_eq!(TokenSecret::parse(&random), Err(MalformedToken::Checksum));
    }

    #[test]
    fn only_the_first_ten_characters_are_ever_displayed() {
        let token = TokenSecret::generate(counter());
        assert_eq!(token.display_prefix(), &token.expose()[..10]);
        let shown = masked(token.display_prefix());
        assert!(shown.starts_with(token.display_prefix()));
        assert!(!shown.contains(&token.expose()[10..14]));
        assert!(!format!("{token:?}").contains(&token.expose()[10..]));
    }
}
