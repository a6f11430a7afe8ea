//! The client's address, for the login throttle and the anonymous rate limit.
//!
//! It is the socket's peer, unless that peer is one of `TRUSTED_PROXIES`: then `X-Forwarded-For`
//! is walked from the right (each proxy appends the address it received from), trusted hops are
//! skipped, and the first hop that is not a trusted proxy is the client. Everything left of it
//! was written by the client and proves nothing; a hop that is not an address stops the walk at
//! the last trusted hop, so garbage can never choose the key a client is counted under. The
//! `Forwarded` header is ignored: a proxy that writes only `Forwarded` is not supported.

use std::net::{IpAddr, SocketAddr};

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The client's address as text (`unknown` when the socket has no IP peer).
pub fn client_addr(http: &HttpRequest, trusted_proxies: &[IpNet]) -> String {
    let hops: Vec<&str> = http
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    resolve(
        http.peer_addr().map(|peer| peer.ip()),
        &hops,
        trusted_proxies,
    )
    .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// `hops` in header order, left to right.
fn resolve(peer: Option<IpAddr>, hops: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&ip));
    let mut client = peer?.to_canonical();
    for hop in hops.iter().rev() {
        if !is_trusted(client) {
            break;
        }
        match parse_hop(hop) {
            Some(ip) => client = ip,
            None => break,
        }
    }
    Some(client)
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|address| address.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|net| net.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let client = resolve(ip("198.51.100.9"), &["203.0.113.7"], &[]);
        assert_eq!(client, ip("198.51.100.9"));
    }

    #[test]
    fn a_peer_that_is_not_trusted_is_the_client_whatever_it_forwards() {
        let client = resolve(ip("198.51.100.9"), &["203.0.113.7"], &nets(&["10.0.0.0/8"]));
        assert_eq!(client, ip("198.51.100.9"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        let hops = ["1.1.1.1", "203.0.113.7", "10.0.0.5"];
        assert_eq!(resolve(ip("127.0.0.1"), &hops, &trusted), ip("203.0.113.7"));
    }

    #[test]
    fn a_spoofed_left_most_value_changes_nothing() {
        let trusted = nets(&["127.0.0.1/32"]);
        for spoofed in ["1.1.1.1", "8.8.8.8", "192.0.2.200"] {
            let client = resolve(ip("127.0.0.1"), &[spoofed, "203.0.113.7"], &trusted);
            assert_eq!(client, ip("203.0.113.7"));
        }
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_trusted_hop() {
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        let client = resolve(
            ip("127.0.0.1"),
            &["203.0.113.7", "not-an-address", "10.0.0.5"],
            &trusted,
        );
        assert_eq!(client, ip("10.0.0.5"));
        let client = resolve(ip("127.0.0.1"), &["unknown"], &trusted);
        assert_eq!(client, ip("127.0.0.1"));
    }

    #[test]
    fn only_trusted_hops_leave_the_left_most() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        let client = resolve(ip("127.0.0.1"), &["10.0.0.1", "10.0.0.2"], &trusted);
        assert_eq!(client, ip("10.0.0.1"));
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_understood() {
        assert_eq!(parse_hop(" 203.0.113.7:4711 "), ip("203.0.113.7"));
        assert_eq!(parse_hop("[2001:db8::1]:443"), ip("2001:db8::1"));
        assert_eq!(parse_hop("2001:db8::1"), ip("2001:db8::1"));
        assert_eq!(parse_hop("::ffff:203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(parse_hop("203.0.113.7, 1.1.1.1"), None);
        let trusted = nets(&["127.0.0.1/32"]);
        let client = resolve(ip("::ffff:127.0.0.1"), &["203.0.113.7"], &trusted);
        assert_eq!(client, ip("203.0.113.7"));
    }

    #[test]
    fn no_peer_is_no_address() {
        assert_eq!(resolve(None, &["203.0.113.7"], &[]), None);
    }
}
