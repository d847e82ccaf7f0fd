/// Where a credential may send its secrets: checked when it is saved, when it is tested and
/// whenever it is opened for a call. The server's implementation (`EndpointRules`) applies the
/// outbound gate's address rules and keeps a fixed service's credentials on its own origins
/// unless the operator allowed another place.
public protocol CredentialDestinations: Sendable {
    /// Throws `DestinationRefused` when a destination of `values` is not allowed.
    /// - Parameter resolving: also resolve each host now and check its addresses (saving and
    ///   testing); a call checks the addresses it connects to anyway, so opening one for a call
    ///   checks the origins only.
    func check(_ integration: Integration, values: [String: String], resolving: Bool) async throws
}

/// A destination a rule refused, with the rule in words.
public struct DestinationRefused: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field whose URL was refused (`endpoint`, `url`).
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
