//! Whether an IP address is public: the one test for every address Dermaga connects to on
//! someone else's word (webhooks at registration and at delivery, the resolver, order URLs).
//!
//! Public means outside every range of IANA's IPv4 and IPv6 Special-Purpose Address
//! Registries, outside multicast and reserved space, and for IPv6 inside global unicast
//! (2000::/3): what is outside it is either special or not allocated at all. An IPv4-mapped
//! address (`::ffff:a.b.c.d`) is its IPv4 address. Transition forms (6to4, Teredo, NAT64,
//! IPv4-compatible) are refused whole: a partner has a plain address to give instead, and
//! their embedded IPv4 address may be private.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix))
}

const fn v6(segments: [u16; 8], prefix: u8) -> IpNet {
    let [a, b, c, d, e, f, g, h] = segments;
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(a, b, c, d, e, f, g, h),
        prefix,
    ))
}

/// IANA IPv4 Special-Purpose Address Registry, with multicast and the reserved block.
const SPECIAL_V4: &[(IpNet, &str)] = &[
    (v4(0, 0, 0, 0, 8), "this network"),
    (v4(10, 0, 0, 0, 8), "private use"),
    (
        v4(100, 64, 0, 0, 10),
        "shared address space (carrier-grade NAT)",
    ),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link local"),
    (v4(172, 16, 0, 0, 12), "private use"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    (v4(192, 0, 2, 0, 24), "documentation (TEST-NET-1)"),
    (v4(192, 31, 196, 0, 24), "AS112-v4"),
    (v4(192, 52, 193, 0, 24), "AMT"),
    (v4(192, 88, 99, 0, 24), "deprecated 6to4 relay anycast"),
    (v4(192, 168, 0, 0, 16), "private use"),
    (v4(192, 175, 48, 0, 24), "direct delegation AS112 service"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation (TEST-NET-2)"),
    (v4(203, 0, 113, 0, 24), "documentation (TEST-NET-3)"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (
        v4(240, 0, 0, 0, 4),
        "reserved, and the limited broadcast address",
    ),
];

/// IANA IPv6 Special-Purpose Address Registry, with site-local and multicast. The ranges
/// outside 2000::/3 are refused by [`GLOBAL_UNICAST`] already; they are listed so that this
/// table can be read against the registry.
const SPECIAL_V6: &[(IpNet, &str)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), "unspecified"),
    (
        v6([0, 0, 0, 0, 0, 0, 0, 0], 96),
        "IPv4-compatible (deprecated)",
    ),
    (v6([0, 0, 0, 0, 0, 0xffff, 0, 0], 96), "IPv4-mapped"),
    (
        v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96),
        "IPv4/IPv6 translation (NAT64)",
    ),
    (
        v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),
        "local-use IPv4/IPv6 translation",
    ),
    (v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64), "discard-only"),
    (v6([0x100, 0, 0, 1, 0, 0, 0, 0], 64), "dummy IPv6 prefix"),
    (
        v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),
        "IETF protocol assignments",
    ),
    (v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32), "Teredo"),
    (v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48), "benchmarking"),
    (
        v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28),
        "ORCHID (deprecated)",
    ),
    (v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28), "ORCHIDv2"),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (v6([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), "6to4"),
    (
        v6([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48),
        "direct delegation AS112 service",
    ),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), "documentation"),
    (
        v6([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16),
        "segment routing SIDs",
    ),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), "unique local"),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local unicast"),
    (
        v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10),
        "site-local (deprecated)",
    ),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];

/// Global unicast: the only IPv6 space IANA allocates to networks on the internet.
const GLOBAL_UNICAST: IpNet = v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3);

/// Whether `ip` is a public address, fit to connect to on a partner's word.
pub fn is_public_ip(ip: IpAddr) -> bool {
    special_purpose(ip).is_none()
}

/// The special purpose of `ip` (why it is not public), if it has one.
pub fn special_purpose(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(_) => purpose_in(SPECIAL_V4, ip),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            // The socket connects to the embedded IPv4 address.
            Some(mapped) => purpose_in(SPECIAL_V4, IpAddr::V4(mapped)),
            None => purpose_in(SPECIAL_V6, ip)
                .or_else(|| (!GLOBAL_UNICAST.contains(&ip)).then_some("not global unicast")),
        },
    }
}

/// The purpose of the first range of `table` that holds `ip`.
fn purpose_in(table: &[(IpNet, &'static str)], ip: IpAddr) -> Option<&'static str> {
    table
        .iter()
        .find(|(range, _)| range.contains(&ip))
        .map(|(_, purpose)| *purpose)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(raw: &str) -> bool {
        is_public_ip(
            raw.parse()
                .unwrap_or_else(|_| panic!("{raw} is an address")),
        )
    }

    fn assert_refused_at_both_ends(table: &[(IpNet, &str)]) {
        for (range, purpose) in table {
            for ip in [range.network(), range.broadcast()] {
                assert!(!is_public_ip(ip), "{ip} ({purpose})");
            }
        }
    }

    #[test]
    fn every_special_purpose_ipv4_range_is_refused_at_both_ends() {
        assert_refused_at_both_ends(SPECIAL_V4);
    }

    #[test]
    fn every_special_purpose_ipv6_range_is_refused_at_both_ends() {
        assert_refused_at_both_ends(SPECIAL_V6);
    }

    #[test]
    fn the_forms_of_the_finding_are_refused() {
        for raw in [
            "::7f00:1",                             // IPv4-compatible 127.0.0.1
            "64:ff9b::a9fe:a9fe",                   // NAT64 of 169.254.169.254
            "64:ff9b:1::a9fe:a9fe",                 // local-use NAT64
            "2002:a9fe:a9fe::",                     // 6to4 of 169.254.169.254
            "2002:808:808::1",                      // 6to4 of a public address: refused whole
            "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.251",
            "239.255.255.250",
            "ff02::1",
            "fec0::1",
        ] {
            assert!(!public(raw), "{raw}");
        }
    }

    #[test]
    fn private_loopback_link_local_and_unspecified_addresses_are_refused() {
        for raw in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.254",
            "192.0.0.9",
            "192.0.0.170",
            "192.0.2.1",
            "192.168.1.1",
            "198.51.100.7",
            "203.0.113.10",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::808:808", // IPv4-compatible, deprecated even for a public address
            "100::1",
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "2001:db8::1",
            "2620:4f:8000::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "4000::1", // outside global unicast: not allocated
        ] {
            assert!(!public(raw), "{raw}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for raw in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.215.14",
            "36.86.63.182",
            "100.63.255.255",  // just below shared address space
            "100.128.0.1",     // just above it
            "172.15.255.255",  // just below 172.16.0.0/12
            "172.32.0.1",      // just above it
            "192.0.1.1",       // between 192.0.0.0/24 and TEST-NET-1
            "192.169.0.1",     // just above 192.168.0.0/16
            "198.17.255.255",  // just below benchmarking
            "198.20.0.1",      // just above it
            "203.0.114.1",     // just above TEST-NET-3
            "223.255.255.254", // just below multicast
            "::ffff:8.8.8.8",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2001:200::1", // just above 2001::/23
            "2a00:1450:4001:82a::200e",
            "2400:cb00::1",
        ] {
            assert!(public(raw), "{raw}");
        }
    }

    #[test]
    fn a_refusal_says_which_range_it_fell_in() {
        assert_eq!(
            special_purpose("64:ff9b::a9fe:a9fe".parse().unwrap()),
            Some("IPv4/IPv6 translation (NAT64)")
        );
        assert_eq!(special_purpose("8.8.8.8".parse().unwrap()), None);
    }
}
