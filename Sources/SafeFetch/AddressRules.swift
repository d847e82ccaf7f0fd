/// Which addresses a fetch may reach: only globally routable unicast ones, unless the operator's
/// allow-list names them. Ranges from IANA's IPv4 and IPv6 special-purpose address registries.
public enum AddressRules {
    public struct Rule: Sendable {
        public let range: IPRange
        /// What the range is, for the refusal message.
        public let name: String
    }

    static let rules: [Rule] = [
        ("0.0.0.0/8", "unspecified (\"this network\")"),
        ("10.0.0.0/8", "private (RFC 1918)"),
        ("100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved (incl. broadcast)"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::ffff:0:0/96", "IPv4-mapped IPv6"),
        ("::ffff:0:0:0/96", "IPv4-translated IPv6"),
        ("::/96", "IPv4-compatible IPv6 (deprecated)"),
        ("64:ff9b::/96", "NAT64 translated IPv4"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignments (incl. Teredo)"),
        ("2001:db8::/32", "documentation"),
        ("2002::/16", "6to4"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing (SRv6)"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    ].map { Rule(range: IPRange($0.0)!, name: $0.1) }

    static let globalUnicastV6 = IPRange("2000::/3")!

    /// Nil when `address` is global, else the rule that makes it non-global ("10.0.0.0/8: private (RFC 1918)").
    public static func nonGlobalReason(_ address: IPAddress) -> String? {
        // The most specific rule names the refusal best (2001:db8::/32 inside 2001::/23).
        if let rule = rules.filter({ $0.range.contains(address) }).max(by: { $0.range.prefixLength < $1.range.prefixLength }) {
            return "\(rule.range): \(rule.name)"
        }
        if case .v6 = address, !globalUnicastV6.contains(address) {
            return "outside the IPv6 global unicast range 2000::/3"
        }
        return nil
    }
}
