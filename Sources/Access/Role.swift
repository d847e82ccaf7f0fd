/// What a key (or a person) is for. Roles are not ranked: what each may do is the permission
/// table of `AccessPolicy`, written once as data. Admin may do everything.
public enum Role: String, Sendable, Codable, CaseIterable {
    /// Everything, keys and the audit log included.
    case admin
    /// Banks and their entries, hash-list sources.
    case curator
    /// Integrations, credentials, workflows and webhook subscriptions.
    case analyst
    /// Cases and accounts: decisions, blocking, revealing evidence.
    case reviewer
    /// Approves NCMEC reports; reads cases.
    case reporter
    /// Lookups only (what an upload pipeline's key needs).
    case matcher
    /// Reads cases, accounts, workflows and banks; changes nothing.
    case viewer

    /// The roles as a sentence fragment, for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether this role holds `permission`.
    public func may(_ permission: Permission) -> Bool { AccessPolicy.roles(for: permission).contains(self) }
}
