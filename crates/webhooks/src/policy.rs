//! Outbound safety: webhook targets on private, loopback, link-local and other special
//! addresses are refused unless an operator allows their range
//! (`DEPOT_WEBHOOK_ALLOW_PRIVATE`, comma-separated CIDRs).
//!
//! The check runs twice: on the URL when a subscription is created (an IP literal or
//! `localhost`), and on every address a host name resolves to when a delivery connects (a DNS
//! resolver that drops refused addresses), so a name that later resolves to an internal address
//! (DNS rebinding) still cannot reach it.
//!
//! Which addresses are special is the IANA special-purpose registries' word ([`crate::special`]).
//!
//! Deliveries never go through a proxy named by `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` in
//! the environment: only through one configured for them (`--webhook-proxy`). Through that
//! proxy the proxy resolves the name itself, so every address the target's name resolves to
//! here must be permitted before the request is sent ([`AddressPolicy::check_resolved`]).

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
        crate::special::special_use(ip).is_none()
            || self
                .allow
                .iter()
                .any(|net| crate::special::net_contains(net, ip))
    }

    /// For a delivery through a proxy, which resolves the target's name on its own: the URL
    /// must pass [`AddressPolicy::check_url`] and every address its host name resolves to here
    /// must be permitted.
    pub async fn check_resolved(&self, url: &str) -> Result<Url, UrlProblem> {
        let parsed = self.check_url(url)?;
        if let Some(url::Host::Domain(name)) = parsed.host() {
            let port = parsed.port_or_known_default().unwrap_or(80);
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| UrlProblem::Invalid(format!("{name}: {e}")))?
                .collect();
            if found.is_empty() {
                return Err(UrlProblem::Invalid(format!("{name} has no address")));
            }
            if let Some(a) = found.iter().find(|a| !self.permits(a.ip())) {
                return Err(UrlProblem::NotAllowed(a.ip()));
            }
        }
        Ok(parsed)
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

/// A resolver for the delivery client that drops the addresses the policy refuses. The
/// configured proxy's own host name (`exempt`) is resolved as it is: the operator chose it.
#[derive(Debug, Clone)]
pub(crate) struct PolicyResolver {
    pub policy: Arc<AddressPolicy>,
    pub exempt: Option<String>,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let exempt = self
            .exempt
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(name.as_str()));
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| exempt || policy.permits(a.ip()))
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

    /// Through a proxy, a host name is judged by every address it resolves to here: this
    /// machine's own name resolves to a loopback or private address.
    #[tokio::test]
    async fn names_are_resolved_and_checked_for_proxied_deliveries() {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        let host = host.trim();
        let addrs: Vec<IpAddr> = tokio::net::lookup_host((host, 80))
            .await
            .unwrap()
            .map(|a| a.ip())
            .collect();
        let url = format!("http://{host}:8080/hook");
        let strict = AddressPolicy::default();
        let checked = strict.check_resolved(&url).await;
        if addrs.iter().any(|ip| !strict.permits(*ip)) {
            assert!(
                matches!(checked, Err(UrlProblem::NotAllowed(_))),
                "{addrs:?}"
            );
            let open = AddressPolicy::allowing(addrs.iter().map(|ip| IpNet::from(*ip)).collect());
            assert!(open.check_resolved(&url).await.is_ok());
        } else {
            assert!(checked.is_ok(), "{addrs:?}");
        }
        assert!(matches!(
            strict.check_resolved("http://no-such-host.invalid/").await,
            Err(UrlProblem::Invalid(_))
        ));
        assert!(matches!(
            strict.check_resolved("http://[::ffff:10.0.0.1]/").await,
            Err(UrlProblem::NotAllowed(_))
        ));
    }
}
