//! A token's IP allowlist: the addresses and ranges a token may be used from. Empty (or
//! none) means any address. Parsed the same way in the browser (the dialogs) and on the
//! server (the API and the check at every request).
//!
//! Rules: at most [`MAX_ENTRIES`] entries, each an IPv4 or IPv6 address or a CIDR range;
//! IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address it maps; a range with host
//! bits set (`10.1.2.3/8`) is refused with the range it probably meant; a range of every
//! address (`0.0.0.0/0`, `::/0`) is refused as meaningless — an empty list says that.

use std::{fmt, net::IpAddr, str::FromStr};

use ipnet::{IpNet, Ipv4Net};

use super::error::AppError;

/// The most entries one list may hold.
pub const MAX_ENTRIES: usize = 32;

/// The field errors name.
const FIELD: &str = "allowed_ips";

/// A parsed, canonical allowlist: ranges in the order given, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpAllowlist(Vec<IpNet>);

impl IpAllowlist {
    /// Parses entries as a person or a client gave them. Blank entries are skipped.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<IpAllowlist, AppError> {
        let mut nets: Vec<IpNet> = Vec::new();
        for entry in entries {
            let entry = entry.as_ref().trim();
            if entry.is_empty() {
                continue;
            }
            let net = parse_entry(entry)?;
            if !nets.contains(&net) {
                nets.push(net);
            }
        }
        if nets.len() > MAX_ENTRIES {
            return Err(AppError::invalid(
                FIELD,
                format!(
                    "At most {MAX_ENTRIES} addresses or ranges; this list has {}. Merge neighbouring addresses into ranges.",
                    nets.len()
                ),
            ));
        }
        Ok(IpAllowlist(nets))
    }

    /// Parses text from a form: entries separated by commas, spaces or new lines.
    pub fn parse_text(text: &str) -> Result<IpAllowlist, AppError> {
        let entries: Vec<&str> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .collect();
        IpAllowlist::parse(&entries)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether a request from `ip` may use the token. An empty list allows every address.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.is_empty() || self.0.iter().any(|net| net.contains(&ip))
    }

    /// The entries as shown and stored: a single address without its prefix length.
    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(shown).collect()
    }

    /// `None` for an empty list: "any address".
    pub fn into_option(self) -> Option<IpAllowlist> {
        (!self.is_empty()).then_some(self)
    }
}

impl fmt::Display for IpAllowlist {
    /// The entries, comma-separated (how forms show and take them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entries().join(", "))
    }
}

fn shown(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

fn parse_entry(entry: &str) -> Result<IpNet, AppError> {
    let net = match entry.split_once('/') {
        None => IpAddr::from_str(entry).map(IpNet::from).map_err(|_| {
            AppError::invalid(
                FIELD,
                format!(
                    "\u{201c}{entry}\u{201d} is not an IP address or range. Write an address (203.0.113.7, 2001:db8::1) or a CIDR range (10.0.0.0/8, 2001:db8::/32)."
                ),
            )
        })?,
        Some(_) => IpNet::from_str(entry).map_err(|_| {
            AppError::invalid(
                FIELD,
                format!(
                    "\u{201c}{entry}\u{201d} is not a CIDR range. Write an address, then / and the prefix length: 10.0.0.0/8, 2001:db8::/32."
                ),
            )
        })?,
    };
    let net = unmapped(net, entry)?;
    if net.prefix_len() == 0 {
        return Err(AppError::invalid(
            FIELD,
            format!(
                "\u{201c}{entry}\u{201d} allows every address, which is no restriction. Leave the list empty to allow any address."
            ),
        ));
    }
    if net.trunc() != net {
        return Err(AppError::invalid(
            FIELD,
            format!(
                "\u{201c}{entry}\u{201d} has bits set past its prefix length. Did you mean {}?",
                net.trunc()
            ),
        ));
    }
    Ok(net)
}

/// An IPv4-mapped IPv6 address or range is the IPv4 one it maps.
fn unmapped(net: IpNet, entry: &str) -> Result<IpNet, AppError> {
    let IpNet::V6(v6) = net else {
        return Ok(net);
    };
    let Some(v4) = v6.addr().to_ipv4_mapped() else {
        return Ok(net);
    };
    if v6.prefix_len() < 96 {
        return Err(AppError::invalid(
            FIELD,
            format!(
                "\u{201c}{entry}\u{201d} reaches beyond the IPv4-mapped addresses. Write the IPv4 range instead."
            ),
        ));
    }
    let v4 = Ipv4Net::new(v4, v6.prefix_len() - 96).map_err(|_| {
        AppError::invalid(
            FIELD,
            format!("\u{201c}{entry}\u{201d} is not a valid range."),
        )
    })?;
    Ok(IpNet::V4(v4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> IpAllowlist {
        IpAllowlist::parse(entries).unwrap()
    }

    fn refused(entries: &[&str]) -> String {
        match IpAllowlist::parse(entries).unwrap_err() {
            AppError::Invalid(error) => {
                assert_eq!(error.field, FIELD);
                error.message
            }
            other => panic!("{other:?}"),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_of_both_families() {
        let allow = list(&[
            "203.0.113.7",
            "10.0.0.0/8",
            "2001:db8::/32",
            "2001:db8:ffff::1",
        ]);
        assert_eq!(
            allow.entries(),
            [
                "203.0.113.7",
                "10.0.0.0/8",
                "2001:db8::/32",
                "2001:db8:ffff::1"
            ]
        );
        assert!(allow.allows(ip("203.0.113.7")));
        assert!(!allow.allows(ip("203.0.113.8")));
        assert!(allow.allows(ip("10.200.3.4")));
        assert!(allow.allows(ip("2001:db8:1::5")));
        assert!(!allow.allows(ip("2001:db9::1")));
    }

    #[test]
    fn ipv4_mapped_ipv6_is_the_ipv4_address_both_ways() {
        let allow = list(&["::ffff:192.0.2.1", "::ffff:198.51.100.0/120"]);
        assert_eq!(allow.entries(), ["192.0.2.1", "198.51.100.0/24"]);
        assert!(allow.allows(ip("192.0.2.1")));
        assert!(
            allow.allows(ip("::ffff:192.0.2.1")),
            "a mapped client address"
        );
        assert!(allow.allows(ip("::ffff:198.51.100.77")));
        assert!(!allow.allows(ip("::ffff:192.0.2.2")));
        assert!(refused(&["::ffff:0:0/90"]).contains("Write the IPv4 range"));
    }

    #[test]
    fn every_address_and_stray_host_bits_are_refused_with_the_fix() {
        assert!(refused(&["0.0.0.0/0"]).contains("Leave the list empty"));
        assert!(refused(&["::/0"]).contains("Leave the list empty"));
        assert!(refused(&["::ffff:0.0.0.0/96"]).contains("Leave the list empty"));
        assert!(refused(&["10.1.2.3/8"]).contains("Did you mean 10.0.0.0/8?"));
        assert!(refused(&["example.com"]).contains("not an IP address"));
        assert!(refused(&["10.0.0.0/33"]).contains("not a CIDR range"));
    }

    #[test]
    fn at_most_32_entries_after_repeats_and_blanks_are_dropped() {
        let many: Vec<String> = (0..33).map(|i| format!("192.0.2.{i}")).collect();
        assert!(
            refused(&many.iter().map(String::as_str).collect::<Vec<_>>()).contains("At most 32")
        );
        let mut repeated: Vec<&str> = many[..32].iter().map(String::as_str).collect();
        repeated.extend(["192.0.2.0", " ", ""]);
        assert_eq!(list(&repeated).len(), 32);
    }

    #[test]
    fn an_empty_list_allows_any_address_and_forms_split_on_commas_and_lines() {
        assert!(IpAllowlist::default().allows(ip("198.51.100.1")));
        assert_eq!(IpAllowlist::parse_text(" \n ").unwrap().into_option(), None);
        let allow = IpAllowlist::parse_text("10.0.0.0/8,192.0.2.1\n 2001:db8::/32").unwrap();
        assert_eq!(allow.to_string(), "10.0.0.0/8, 192.0.2.1, 2001:db8::/32");
    }
}
