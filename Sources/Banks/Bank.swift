public import Foundation

/// Whether a bank lists known-bad content or known false positives.
public enum BankKind: String, Sendable, Codable, CaseIterable {
    /// Known bad: a hit is a match.
    case match
    /// Known false positives: a hit suppresses the match-bank hits of the same query.
    case allow
}

/// A named collection of known signals with its matching settings.
public struct Bank: Sendable, Hashable, Codable {
    public var id: Int64
    public var name: String
    public var description: String
    public var kind: BankKind
    public var enabled: Bool
    /// PDQ distance threshold, inclusive.
    public var pdqThreshold: Int
    /// Free-form labels: a source ("source:ncmec"), an industry category ("A1", "A2", "B1", "B2"),
    /// "verified".
    public var labels: [String]
    /// The bank's own limits against overzealous entries and poor queries, where it sets them.
    public var guards: BankGuards
    /// Its deletion has begun (its entries go in batches): it matches nothing, cannot be enabled
    /// or changed, and its export is refused, so the entries a deletion removes are never passed
    /// on to another Vigil as removals. Deleting it again finishes.
    public var deleting: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, description: String, kind: BankKind, enabled: Bool, pdqThreshold: Int,
                labels: [String], guards: BankGuards = BankGuards(), deleting: Bool = false, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.deleting = deleting
        self.guards = guards
        self.name = name
        self.description = description
        self.kind = kind
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static let defaultPDQThreshold = 31
    /// Industry categories (the Tech Coalition's A1–B2 scale) recognised among labels.
    public static let categories: Set<String> = ["A1", "A2", "B1", "B2"]

    /// The labels that are industry categories.
    public var categories: [String] { labels.filter { Self.categories.contains($0.uppercased()) } }
}

/// What a new bank is made of.
public struct NewBank: Sendable, Hashable {
    public var name: String
    public var description: String
    public var kind: BankKind
    public var enabled: Bool
    public var pdqThreshold: Int
    public var labels: [String]
    public var guards: BankGuards

    public init(name: String, description: String = "", kind: BankKind = .match, enabled: Bool = true,
                pdqThreshold: Int = Bank.defaultPDQThreshold, labels: [String] = [], guards: BankGuards = BankGuards()) {
        self.guards = guards
        self.name = name
        self.description = description
        self.kind = kind
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.labels = labels
    }

    /// The settings of an existing bank, to validate an edit of it.
    public init(settingsOf bank: Bank) {
        self.init(name: bank.name, description: bank.description, kind: bank.kind, enabled: bank.enabled,
                  pdqThreshold: bank.pdqThreshold, labels: bank.labels, guards: bank.guards)
    }

    /// Checks the fields a user typed; the message says what is wrong.
    public func validate() throws(BankError) {
        try BankName.validate(name)
        guard (0...256).contains(pdqThreshold) else {
            throw .invalid("PDQ threshold must be between 0 and 256, got \(pdqThreshold)")
        }
        try guards.validate()
        for label in labels where label.isEmpty || label.count > 100 || label.contains(",") {
            throw .invalid("label \"\(label)\" must be 1-100 characters without commas")
        }
    }
}

/// A bank's own limits, each over the server's setting of the same name where set (nil: the
/// setting applies). 0 turns a guard off for the bank.
public struct BankGuards: Sendable, Hashable, Codable {
    /// Distinct images an entry may match within an hour before it is quarantined.
    public var floodLimitPerHour: Int?
    /// Every this many of an entry's matches found false positive by reviewers, it is quarantined.
    public var falsePositiveLimit: Int?
    /// The PDQ quality a query needs to be matched against the bank's PDQ entries; entries below it
    /// are flagged on import.
    public var qualityGate: Int?

    public init(floodLimitPerHour: Int? = nil, falsePositiveLimit: Int? = nil, qualityGate: Int? = nil) {
        self.floodLimitPerHour = floodLimitPerHour
        self.falsePositiveLimit = falsePositiveLimit
        self.qualityGate = qualityGate
    }

    enum CodingKeys: String, CodingKey {
        case floodLimitPerHour = "flood_limit_per_hour", falsePositiveLimit = "false_positive_limit", qualityGate = "quality_gate"
    }

    public func validate() throws(BankError) {
        if let floodLimitPerHour, !(0...10_000_000).contains(floodLimitPerHour) {
            throw .invalid("flood_limit_per_hour must be from 0 (off) to 10000000 distinct images, got \(floodLimitPerHour)")
        }
        if let falsePositiveLimit, !(0...1_000_000).contains(falsePositiveLimit) {
            throw .invalid("false_positive_limit must be from 0 (off) to 1000000 false positives, got \(falsePositiveLimit)")
        }
        if let qualityGate, !(0...100).contains(qualityGate) {
            throw .invalid("quality_gate must be a PDQ quality from 0 to 100, got \(qualityGate)")
        }
    }
}

public enum BankName {
    /// Letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`; at most 64.
    public static func validate(_ name: String) throws(BankError) {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }
        guard !name.isEmpty, name.count <= 64, allowed, let first = name.unicodeScalars.first, first != "-", first != "." else {
            throw .invalid("bank name \"\(name)\" must be 1-64 characters of letters, digits, _ - . and not start with - or .")
        }
    }
}

public enum BankError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case notFound(String)
    case alreadyExists(String)
    case storage(String)
    /// A job's checkpoint could not be written with its batch: another worker holds the job now.
    case checkpointRefused(String)
    /// Deleting, renaming or retyping the bank (`change`) would break what uses it (the published
    /// workflows named): refused unless forced.
    case inUse(String, usedBy: [String], change: String)
    /// The bank's deletion has begun: it may only be deleted (again, to finish).
    case beingDeleted(String)

    public var description: String {
        switch self {
        case let .invalid(message): message
        case let .notFound(what): "\(what) not found"
        case let .alreadyExists(name): "a bank named \"\(name)\" already exists"
        case let .storage(message): "storage error: \(message)"
        case let .checkpointRefused(message): message
        case let .inUse(name, users, change):
            "bank \(name) is used by \(users.joined(separator: "; ")): \(change) it would make them fail; change them first, or force it"
        case let .beingDeleted(name): "bank \(name) is being deleted: it can only be deleted (again, to finish)"
        }
    }
}
