//! Who sent a request, as the sign-in defences see it: the client's address (the sign-in
//! throttle counts attempts per account and address) and the one password hash or check the
//! request may cost.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::password::PasswordAllowance;
use crate::services::Services;

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The sender of one HTTP request; the operations of a GraphQL batch share it.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Unknown when the server was not told its peers' addresses (an embedded router).
    pub address: Option<IpAddr>,
    pub password_allowance: PasswordAllowance,
}

impl<S: AsRef<Services> + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip());
        let trusted = &state.as_ref().config.auth.trusted_proxies;
        Ok(Self {
            address: peer.map(|peer| client_address(peer, &parts.headers, trusted)),
            password_allowance: PasswordAllowance::default(),
        })
    }
}

/// The peer's address, unless the peer is a trusted proxy: then the nearest `X-Forwarded-For`
/// entry that is not one. Each proxy appends the address it was sent the request from, so
/// entries are read from the right, and those left of the first untrusted one (which the client
/// may have written itself) are never believed.
fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[AddressRange]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|range| range.contains(address));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        let Ok(address) = hop.parse::<IpAddr>() else {
            break;
        };
        client = address.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// An address or a network, as the configuration names trusted proxies: `10.0.0.0/8`, `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct AddressRange {
    network: IpAddr,
    prefix: u32,
}

impl AddressRange {
    /// The loopback networks: a reverse proxy on the same machine is trusted without setup.
    pub fn loopback() -> Vec<Self> {
        ["127.0.0.0/8", "::1"]
            .into_iter()
            .filter_map(|range| range.parse().ok())
            .collect()
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let (network, address, bits) = match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => (
                u128::from(u32::from(network)),
                u128::from(u32::from(address)),
                32,
            ),
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                (u128::from(network), u128::from(address), 128)
            }
            _ => return false,
        };
        let host_bits = bits - self.prefix;
        network.checked_shr(host_bits).unwrap_or(0) == address.checked_shr(host_bits).unwrap_or(0)
    }
}

impl FromStr for AddressRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("`{text}` is not an IP address or network (such as 10.0.0.0/8)");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| invalid())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|prefix| *prefix <= bits)
                .ok_or_else(invalid)?,
            None => bits,
        };
        Ok(Self { network, prefix })
    }
}

impl TryFrom<String> for AddressRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}
