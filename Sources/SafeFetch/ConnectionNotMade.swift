import Foundation
import NIOCore
import NIOPosix

/// A connection the gate could not open to an address it allowed: refused, or no route to it.
/// Nothing was sent; asking again later may work (unlike a `FetchError` refusal, which cannot).
public struct ConnectionNotMade: Error, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Why, in words: "connection refused", "no route to host", "network unreachable".
    public let reason: String

    public var description: String { "\(reason) by \(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The connection failure `error` stands for, if it is one (errno ECONNREFUSED, EHOSTUNREACH,
    /// ENETUNREACH, alone or among the attempts of one connect).
    init?(_ error: any Error, host: String, port: Int) {
        let codes: [CInt]
        if let error = error as? IOError {
            codes = [error.errnoCode]
        } else if let error = error as? NIOConnectionError {
            codes = error.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
        } else {
            return nil
        }
        guard let code = codes.first(where: { Self.words[$0] != nil }), let reason = Self.words[code] else { return nil }
        self.host = host
        self.port = port
        self.reason = reason
    }

    private static let words: [CInt: String] = [
        ECONNREFUSED: "connection refused", EHOSTUNREACH: "no route to host", ENETUNREACH: "network unreachable",
    ]
}
