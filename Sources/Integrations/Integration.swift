import Foundation

/// A service Vigil can be connected to: what a credential for it holds and what it can do. The
/// catalogue (`Integrations.catalogue`) is the only place an integration's fields are written.
public struct Integration: Sendable, Identifiable {
    public let id: String
    public let name: String
    public let summary: String
    public let credentialFields: [Field]
    public let operations: [Operation]
    /// A fixed service's own origins (`https://host`): its credentials send their secrets there
    /// and nowhere else unless an admin points them elsewhere and the operator allows that place
    /// (`--integration-endpoint`, or `--fetch-allow` for a private range). Empty for a service
    /// that lives wherever its user says (a webhook, another Vigil).
    public let serviceOrigins: [String]

    public init(id: String, name: String, summary: String, credentialFields: [Field], operations: [Operation], serviceOrigins: [String] = []) {
        self.id = id
        self.name = name
        self.summary = summary
        self.credentialFields = credentialFields
        self.operations = operations
        self.serviceOrigins = serviceOrigins
    }

    public struct Operation: Sendable {
        public let id: String
        public let summary: String
        public let inputs: [Field]
        public let outputs: [Field]
    }

    /// Whether a credential is needed at all (the built-in banks need none).
    public var needsCredential: Bool { !credentialFields.isEmpty }

    public var secretFieldNames: Set<String> { Set(credentialFields.filter(\.secret).map(\.name)) }

    /// Whether the service is at fixed places (NCMEC, PhotoDNA) rather than wherever its user says.
    public var isFixedService: Bool { !serviceOrigins.isEmpty }

    /// Where a credential with these values sends its secrets: its URL fields and their values.
    public func destinations(_ values: [String: String]) -> [(field: String, url: String)] {
        credentialFields.filter { $0.kind == .url }.compactMap { field in
            values[field.name].flatMap { $0.isEmpty ? nil : (field.name, $0) }
        }
    }

    /// Whether `url` is on one of the service's own origins (scheme, host and port as given,
    /// compared without case). A service with no fixed origins has none to be on.
    public func isServiceOrigin(_ url: String) -> Bool {
        guard let origin = Self.origin(of: url) else { return false }
        return serviceOrigins.contains { $0.lowercased() == origin }
    }

    /// `scheme://host[:port]` of an http(s) URL, lowercased, the port left out when it is the
    /// scheme's own; nil when the text is no such URL.
    public static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host?.lowercased(), !host.isEmpty,
              components.user == nil, components.password == nil else { return nil }
        let port = components.port.flatMap { ($0 == 443 && scheme == "https") || ($0 == 80 && scheme == "http") ? nil : $0 }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }
}
