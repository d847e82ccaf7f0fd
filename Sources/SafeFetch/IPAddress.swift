#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as a number, so ranges are integer comparisons.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt128)

    /// Parses a numeric address (no host names); IPv6 may be bracketed.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        guard !text.contains("%") else { return nil }   // zone ids name an interface: never global
        var v4 = in_addr()
        if inet_pton(AF_INET, String(text), &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, String(text), &v6) == 1 else { return nil }
        self = .v6(withUnsafeBytes(of: &v6) { Self.bigEndian128($0) })
    }

    static func bigEndian128(_ bytes: UnsafeRawBufferPointer) -> UInt128 {
        bytes.reduce(UInt128(0)) { ($0 << 8) | UInt128($1) }
    }

    public var description: String {
        switch self {
        case let .v4(value):
            return [24, 16, 8, 0].map { String((value >> UInt32($0)) & 0xFF) }.joined(separator: ".")
        case let .v6(value):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { bytes in
                for i in 0..<16 { bytes[i] = UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - i))) }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// A CIDR range such as `10.0.0.0/8` or `fd00::/8`; a bare address is a range of one.
public struct IPRange: Sendable, Hashable, CustomStringConvertible {
    public let base: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: " \t").split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        let width: Int
        switch address {
        case .v4: width = 32
        case .v6: width = 128
        }
        let length = parts.count == 2 ? Int(parts[1]) : width
        guard let length, length >= 0, length <= width else { return nil }
        self.init(base: address, prefixLength: length)
    }

    public init(base: IPAddress, prefixLength: Int) {
        // Keep only the network bits, so "10.1.2.3/8" means 10.0.0.0/8.
        switch base {
        case let .v4(value):
            let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
            self.base = .v4(value & mask)
        case let .v6(value):
            let mask: UInt128 = prefixLength == 0 ? 0 : ~UInt128(0) << UInt128(128 - prefixLength)
            self.base = .v6(value & mask)
        }
        self.prefixLength = prefixLength
    }

    /// Same family, and the same network bits (masked as `init(base:prefixLength:)` masks).
    public func contains(_ address: IPAddress) -> Bool {
        switch (base, address) {
        case (.v4, .v4), (.v6, .v6): IPRange(base: address, prefixLength: prefixLength).base == base
        default: false
        }
    }

    public var description: String { "\(base)/\(prefixLength)" }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        return String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
