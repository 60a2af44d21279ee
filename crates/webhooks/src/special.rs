//! Which addresses are not public unicast destinations, from the IANA registries.
//!
//! Sources (as published in 2025):
//! * IANA IPv4 Special-Purpose Address Registry,
//!   <https://www.iana.org/assignments/iana-ipv4-special-registry/> (RFC 6890);
//! * IANA IPv6 Special-Purpose Address Registry,
//!   <https://www.iana.org/assignments/iana-ipv6-special-registry/> (RFC 6890);
//! * IANA IPv4 Address Space Registry (224.0.0.0/4 multicast, RFC 5771) and IANA IPv6 Address
//!   Space Registry (only 2000::/3 is allocated for global unicast, RFC 4291 §2.4; the rest
//!   is multicast ff00::/8, link-local, unique-local or reserved by the IETF).
//!
//! Every block of the special-purpose registries is listed with its "Globally Reachable"
//! column; an address is refused when its most specific block is not globally reachable
//! (`false`, or `N/A` for the deprecated 6to4 and Teredo blocks, whose addresses relay to
//! an embedded IPv4 address that we cannot vouch for). Blocks marked `true` inside a `false`
//! one (192.0.0.9/32 in 192.0.0.0/24, 2001:1::1/128 in 2001::/23) are public. The NAT64
//! well-known prefix 64:ff9b::/96 is globally reachable only as far as the IPv4 address it
//! embeds is.
//!
//! Rust's own `Ipv4Addr::is_global`/`Ipv6Addr::is_global` implement the same registries but
//! are still unstable, and the crates that copy them are unmaintained or part of much larger
//! libraries, hence this table. Keep it in step with the registries.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// (block, name, globally reachable).
const IPV4: &[(&str, &str, bool)] = &[
    ("0.0.0.0/8", "\"This network\" (RFC 791)", false),
    (
        "0.0.0.0/32",
        "\"This host on this network\" (RFC 1122)",
        false,
    ),
    ("10.0.0.0/8", "Private-Use (RFC 1918)", false),
    ("100.64.0.0/10", "Shared Address Space (RFC 6598)", false),
    ("127.0.0.0/8", "Loopback (RFC 1122)", false),
    ("169.254.0.0/16", "Link Local (RFC 3927)", false),
    ("172.16.0.0/12", "Private-Use (RFC 1918)", false),
    (
        "192.0.0.0/24",
        "IETF Protocol Assignments (RFC 6890)",
        false,
    ),
    (
        "192.0.0.0/29",
        "IPv4 Service Continuity Prefix (RFC 7335)",
        false,
    ),
    ("192.0.0.8/32", "IPv4 dummy address (RFC 7600)", false),
    (
        "192.0.0.9/32",
        "Port Control Protocol Anycast (RFC 7723)",
        true,
    ),
    (
        "192.0.0.10/32",
        "Traversal Using Relays around NAT Anycast (RFC 8155)",
        true,
    ),
    ("192.0.0.170/32", "NAT64/DNS64 Discovery (RFC 8880)", false),
    ("192.0.0.171/32", "NAT64/DNS64 Discovery (RFC 8880)", false),
    ("192.0.2.0/24", "Documentation TEST-NET-1 (RFC 5737)", false),
    ("192.31.196.0/24", "AS112-v4 (RFC 7535)", true),
    ("192.52.193.0/24", "AMT (RFC 7450)", true),
    (
        "192.88.99.0/24",
        "Deprecated 6to4 Relay Anycast (RFC 7526)",
        false,
    ),
    ("192.168.0.0/16", "Private-Use (RFC 1918)", false),
    (
        "192.175.48.0/24",
        "Direct Delegation AS112 Service (RFC 7534)",
        true,
    ),
    ("198.18.0.0/15", "Benchmarking (RFC 2544)", false),
    (
        "198.51.100.0/24",
        "Documentation TEST-NET-2 (RFC 5737)",
        false,
    ),
    (
        "203.0.113.0/24",
        "Documentation TEST-NET-3 (RFC 5737)",
        false,
    ),
    (
        "224.0.0.0/4",
        "Multicast (RFC 5771; IPv4 Address Space Registry)",
        false,
    ),
    ("240.0.0.0/4", "Reserved (RFC 1112)", false),
    ("255.255.255.255/32", "Limited Broadcast (RFC 919)", false),
];

const IPV6: &[(&str, &str, bool)] = &[
    ("::1/128", "Loopback Address (RFC 4291)", false),
    ("::/128", "Unspecified Address (RFC 4291)", false),
    ("::ffff:0:0/96", "IPv4-mapped Address (RFC 4291)", false),
    ("64:ff9b::/96", "IPv4-IPv6 Translation (RFC 6052)", true),
    (
        "64:ff9b:1::/48",
        "IPv4-IPv6 Translation, local use (RFC 8215)",
        false,
    ),
    ("100::/64", "Discard-Only Address Block (RFC 6666)", false),
    ("100:0:0:1::/64", "Dummy IPv6 Prefix (RFC 9780)", false),
    ("2001::/23", "IETF Protocol Assignments (RFC 2928)", false),
    ("2001::/32", "TEREDO (RFC 4380, RFC 8190)", false),
    (
        "2001:1::1/128",
        "Port Control Protocol Anycast (RFC 7723)",
        true,
    ),
    (
        "2001:1::2/128",
        "Traversal Using Relays around NAT Anycast (RFC 8155)",
        true,
    ),
    (
        "2001:1::3/128",
        "DNS-SD Service Registration Protocol Anycast (RFC 9665)",
        true,
    ),
    ("2001:2::/48", "Benchmarking (RFC 5180)", false),
    ("2001:3::/32", "AMT (RFC 7450)", true),
    ("2001:4:112::/48", "AS112-v6 (RFC 7535)", true),
    (
        "2001:10::/28",
        "Deprecated, previously ORCHID (RFC 4843)",
        false,
    ),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)", true),
    (
        "2001:30::/28",
        "Drone Remote ID Protocol Entity Tags (RFC 9374)",
        true,
    ),
    ("2001:db8::/32", "Documentation (RFC 3849)", false),
    ("2002::/16", "6to4 (RFC 3056)", false),
    (
        "2620:4f:8000::/48",
        "Direct Delegation AS112 Service (RFC 7534)",
        true,
    ),
    ("3fff::/20", "Documentation (RFC 9637)", false),
    ("5f00::/16", "Segment Routing (SRv6) SIDs (RFC 9602)", false),
    ("fc00::/7", "Unique-Local (RFC 4193)", false),
    ("fe80::/10", "Link-Local Unicast (RFC 4291)", false),
];

struct Tables {
    v4: Vec<(Ipv4Net, &'static str, bool)>,
    v6: Vec<(Ipv6Net, &'static str, bool)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        v4: IPV4
            .iter()
            .map(|(net, name, global)| (net.parse().expect("IPv4 table"), *name, *global))
            .collect(),
        v6: IPV6
            .iter()
            .map(|(net, name, global)| (net.parse().expect("IPv6 table"), *name, *global))
            .collect(),
    })
}

/// Why `ip` is not a public unicast destination (the registry block's name), or None when it
/// is one.
pub fn special_use(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let block = tables()
        .v4
        .iter()
        .filter(|(net, _, _)| net.contains(&ip))
        .max_by_key(|(net, _, _)| net.prefix_len())?;
    (!block.2).then_some(block.1)
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let block = tables()
        .v6
        .iter()
        .filter(|(net, _, _)| net.contains(&ip))
        .max_by_key(|(net, _, _)| net.prefix_len());
    match block {
        Some((net, name, global)) => {
            if !global {
                return Some(name);
            }
            // The NAT64 well-known prefix reaches the IPv4 address in its last 32 bits.
            if *net == "64:ff9b::/96".parse::<Ipv6Net>().expect("prefix") {
                let [.., a, b] = ip.segments();
                let v4 = Ipv4Addr::from((u32::from(a) << 16) | u32::from(b));
                return special_v4(v4).map(|_| "IPv4-IPv6 Translation of a special IPv4 address");
            }
            None
        }
        // Outside every special block: public only within 2000::/3, global unicast.
        None if (ip.segments()[0] & 0xe000) != 0x2000 => Some(if ip.is_multicast() {
            "Multicast (IPv6 Address Space Registry)"
        } else {
            "Reserved by the IETF (IPv6 Address Space Registry)"
        }),
        None => None,
    }
}

/// The allowed ranges also open an address's IPv4 form: `::ffff:127.0.0.1` is allowed
/// where `127.0.0.0/8` is.
pub fn embedded_v4(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
        IpAddr::V4(_) => None,
    }
}

/// Whether `net` contains `ip` or its IPv4 form.
pub fn net_contains(net: &IpNet, ip: IpAddr) -> bool {
    net.contains(&ip) || embedded_v4(ip).is_some_and(|v4| net.contains(&v4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        special_use(ip.parse().unwrap()).is_some()
    }

    #[test]
    fn every_table_entry_parses_and_its_first_address_is_classified_as_listed() {
        for (net, _, global) in IPV4 {
            let net: Ipv4Net = net.parse().unwrap();
            assert_eq!(refused(&net.network().to_string()), !global, "{net}");
        }
        for (net, _, global) in IPV6 {
            let net: Ipv6Net = net.parse().unwrap();
            let first = net.network().to_string();
            // 64:ff9b::/96's first address embeds 0.0.0.0, which is special itself.
            let expected = !global || net.to_string() == "64:ff9b::/96";
            assert_eq!(refused(&first), expected, "{net}");
        }
    }

    #[test]
    fn the_ranges_named_in_the_hardening_report_are_refused() {
        for ip in [
            "2002:7f00:1::1",      // 6to4 embedding 127.0.0.1
            "2002:0808:0808::1",   // 6to4 embedding a public address: still refused
            "2001:0:4136:e378::1", // Teredo
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",  // IPv4-mapped: not globally reachable as such
            "::ffff:0:7f00:1", // IPv4-translated (RFC 2765), ::ffff:0:0:0/96
            "::127.0.0.1",     // IPv4-compatible (deprecated)
            "100::1",
            "100::ffff:ffff:ffff:ffff",
            "192.88.99.1",
            "64:ff9b:1::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "3fff::1",
            "5f00::1",
            "2001:2::1",
            "2001:10::1",
            "ff02::1",
            "fec0::1",
            "4000::1",
            "192.0.0.8",
            "192.0.0.170",
            "198.19.255.255",
            "240.0.0.1",
            "0.1.2.3",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "192.0.0.9",
            "192.31.196.1",
            "192.175.48.1",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2001:1::1",
            "2001:3::1",
            "2001:20::1",
            "64:ff9b::808:808", // NAT64 of 8.8.8.8
            "2620:4f:8000::1",
        ] {
            assert!(!refused(ip), "{ip} is public");
        }
    }
}
