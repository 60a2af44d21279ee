//! Outbound safety: webhook targets on private, loopback, link-local and other special
//! addresses are refused unless an operator allows their range
//! (`DEPOT_WEBHOOK_ALLOW_PRIVATE`, comma-separated CIDRs).
//!
//! The check runs twice: on the URL when a subscription is created (an IP literal or
//! `localhost`), and on every address a host name resolves to when a delivery connects (a DNS
//! resolver that drops refused addresses), so a name that later resolves to an internal address
//! (DNS rebinding) still cannot reach it.

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allow: Vec<IpNet>,
}

/// Why a URL cannot be a webhook target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    Invalid(String),
    /// The address is private, loopback, link-local or otherwise not public.
    NotAllowed(IpAddr),
}

impl std::fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UrlProblem::Invalid(why) => f.write_str(why),
            UrlProblem::NotAllowed(ip) => write!(
                f,
                "{ip} is a private or reserved address (allow it with DEPOT_WEBHOOK_ALLOW_PRIVATE)"
            ),
        }
    }
}

impl AddressPolicy {
    /// A policy allowing these ranges besides public addresses.
    pub fn allowing(allow: Vec<IpNet>) -> AddressPolicy {
        AddressPolicy { allow }
    }

    /// Reads `127.0.0.0/8,::1/128` (a bare address is a single host).
    pub fn parse(list: &str) -> Result<AddressPolicy, String> {
        let allow = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{item}` is not a CIDR range or an address"))
            })
            .collect::<Result<_, _>>()?;
        Ok(AddressPolicy { allow })
    }

    /// True when deliveries may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_special(ip) || self.allow.iter().any(|net| net.contains(&ip))
    }

    /// Checks a target URL: http or https, with a host, and not an address the policy refuses.
    pub fn check_url(&self, url: &str) -> Result<Url, UrlProblem> {
        let parsed = Url::parse(url).map_err(|e| UrlProblem::Invalid(format!("not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UrlProblem::Invalid("must be an http or https URL".into()));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(UrlProblem::Invalid("must not carry credentials".into()));
        }
        let ips: Vec<IpAddr> = match parsed.host() {
            None => return Err(UrlProblem::Invalid("must name a host".into())),
            Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
            Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if name == "localhost" || name.ends_with(".localhost") {
                    vec![
                        IpAddr::V4(Ipv4Addr::LOCALHOST),
                        IpAddr::V6(Ipv6Addr::LOCALHOST),
                    ]
                } else {
                    Vec::new()
                }
            }
        };
        match ips.into_iter().find(|ip| !self.permits(*ip)) {
            Some(ip) => Err(UrlProblem::NotAllowed(ip)),
            None => Ok(parsed),
        }
    }
}

/// Not a public unicast address.
fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_special_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_special_v4(v4);
            }
            let seg = v6.segments();
            v6.is_unspecified()
                || v6.is_loopback()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                // NAT64 64:ff9b::/96 and IPv4-compatible ::/96 embed an IPv4 address.
                || (seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0]
                    && is_special_v4(Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8)))
                || (seg[0..6] == [0, 0, 0, 0, 0, 0])
        }
    }
}

fn is_special_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || a == 0 // "this network"
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 192 && b == 168)
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation
        || (a == 203 && b == 0 && c == 113) // documentation
        || a >= 224 // multicast, reserved, broadcast
}

/// A resolver for the delivery client that drops the addresses the policy refuses.
#[derive(Debug, Clone)]
pub(crate) struct PolicyResolver(pub Arc<AddressPolicy>);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                let why = match found.first() {
                    Some(a) => UrlProblem::NotAllowed(a.ip()).to_string(),
                    None => format!("{host} has no address"),
                };
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_by_default() {
        let policy = AddressPolicy::default();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!policy.permits(ip.parse().unwrap()), "{ip} refused");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "172.32.0.1"] {
            assert!(policy.permits(ip.parse().unwrap()), "{ip} allowed");
        }
    }

    #[test]
    fn allow_list_opens_ranges() {
        let policy = AddressPolicy::parse("127.0.0.0/8, ::1, 10.0.0.0/16").unwrap();
        assert!(policy.permits("127.0.0.1".parse().unwrap()));
        assert!(policy.permits("::1".parse().unwrap()));
        assert!(policy.permits("10.0.5.5".parse().unwrap()));
        assert!(!policy.permits("10.1.0.1".parse().unwrap()));
        assert!(AddressPolicy::parse("nonsense").is_err());
    }

    #[test]
    fn urls_are_checked() {
        let policy = AddressPolicy::default();
        assert!(policy.check_url("https://hooks.example.com/x").is_ok());
        assert!(matches!(
            policy.check_url("http://127.0.0.1:9000/hook"),
            Err(UrlProblem::NotAllowed(_))
        ));
        assert!(matches!(
            policy.check_url("http://localhost:9000/hook"),
            Err(UrlProblem::NotAllowed(_))
        ));
        assert!(matches!(
            policy.check_url("http://[::1]/hook"),
            Err(UrlProblem::NotAllowed(_))
        ));
        assert!(matches!(
            policy.check_url("ftp://example.com/"),
            Err(UrlProblem::Invalid(_))
        ));
        assert!(matches!(
            policy.check_url("https://user:pw@example.com/"),
            Err(UrlProblem::Invalid(_))
        ));
        assert!(matches!(
            policy.check_url("nope"),
            Err(UrlProblem::Invalid(_))
        ));
        let local = AddressPolicy::parse("127.0.0.0/8").unwrap();
        assert!(local.check_url("http://127.0.0.1:9000/hook").is_ok());
    }
}
