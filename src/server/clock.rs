//! The server's clock and how it writes moments: milliseconds since the Unix epoch
//! (UTC) inside, RFC 3339 in answers and audit records.

use serde::{Serialize, Serializer};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Milliseconds since the epoch as RFC 3339 UTC (`2026-11-22T23:59:59.999Z`).
pub fn rfc3339(ms: i64) -> String {
    Time(ms).write(&mut [0; TIME_LEN]).to_owned()
}

/// A moment in an API answer: milliseconds since the epoch, serialized as RFC 3339 UTC
/// straight into the body, without a `String` of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time(pub i64);

/// Room for any time the API writes (`2026-11-22T23:59:59.999Z` is 24 bytes).
const TIME_LEN: usize = 40;

impl Time {
    /// The RFC 3339 text, written into `buffer`; empty for a time RFC 3339 cannot express.
    pub fn write(self, buffer: &mut [u8; TIME_LEN]) -> &str {
        let mut rest = &mut buffer[..];
        let formatted = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .is_some_and(|t| t.format_into(&mut rest, &Rfc3339).is_ok());
        // What the writer moved past is the text (the count `format_into` returns is not).
        let written = if formatted { TIME_LEN - rest.len() } else { 0 };
        std::str::from_utf8(&buffer[..written]).unwrap_or_default()
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.write(&mut [0; TIME_LEN]))
    }
}
