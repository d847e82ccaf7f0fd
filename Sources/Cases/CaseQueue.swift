import Basics
public import Foundation

/// What a queue shows: filters over status, priority, assignee, queue, age and a search, in an order.
public struct CaseFilter: Sendable {
    public var statuses: [String]?
    public var priorities: [Priority]?
    public var assignee: String?
    /// True: only unassigned cases.
    public var unassigned: Bool
    public var queue: String?
    /// Only cases opened before this (older than an age).
    public var createdBefore: Date?
    public var createdAfter: Date?
    public var openOnly: Bool
    public var accountID: Int64?
    /// What a reviewer typed to find cases (`CaseSearch`).
    public var search: CaseSearch?
    public var sort: CaseSort
    /// Paging in the newest-first order: cases with ids below this.
    public var before: Int64?
    /// Paging in the other orders: how many cases to skip.
    public var offset: Int
    public var limit: Int

    public init(statuses: [String]? = nil, priorities: [Priority]? = nil, assignee: String? = nil, unassigned: Bool = false,
                queue: String? = nil, createdBefore: Date? = nil, createdAfter: Date? = nil, openOnly: Bool = false,
                accountID: Int64? = nil, search: CaseSearch? = nil, sort: CaseSort = .newest, before: Int64? = nil, offset: Int = 0,
                limit: Int = 50) {
        self.statuses = statuses
        self.priorities = priorities
        self.assignee = assignee
        self.unassigned = unassigned
        self.queue = queue
        self.createdBefore = createdBefore
        self.createdAfter = createdAfter
        self.openOnly = openOnly
        self.accountID = accountID
        self.search = search
        self.sort = sort
        self.before = before
        self.offset = offset
        self.limit = limit
    }
}

/// The orders a queue can be read in.
public enum CaseSort: String, Sendable, CaseIterable {
    /// Newest first (the default; pages with `before`).
    case newest
    /// Oldest first: the longest wait at the top, as an SLA is worked.
    case oldest
    /// Most urgent first, and within a priority the oldest first.
    case priority
    /// Most recently changed first.
    case updated
}

/// A reviewer's search over the queue: a case is found by words of its title, by its platform
/// account's reference id, by the first characters of a matched file's hash, or by its number.
public struct CaseSearch: Sendable, Equatable {
    /// The text to find in titles and account reference ids, folded (`key`).
    public let text: String
    /// The text as the start of a hash (PDQ, MD5 or SHA-256, lower-case hex), when it can be one:
    /// six hex digits at least, so a short word is not read as a hash.
    public let hashPrefix: String?
    /// The text as a case number (`12` or `#12`).
    public let caseID: Int64?

    /// Nil for text that searches for nothing (blank).
    public init?(_ typed: String) {
        let trimmed = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = Self.key(trimmed)
        guard !text.isEmpty else { return nil }
        self.text = text
        let hex = trimmed.lowercased()
        self.hashPrefix = hex.count >= 6 && hex.count <= 64 && hex.allSatisfy { $0.isHexDigit && $0.isASCII } ? hex : nil
        let number = text.hasPrefix("#") ? String(text.dropFirst()) : text
        self.caseID = Int64(number).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Text as searches compare it, whatever the database: without case, accents or width
    /// ("École" and "ecole" are one key). Stores keep titles and reference ids this way.
    public static func key(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }
}

/// Cases per queue: open (not final) ones, of those the unassigned, and those waiting longer
/// than the queue's SLA target.
public struct QueueCount: Sendable, Equatable {
    public var queue: String
    public var open: Int
    public var unassigned: Int
    public var oldestOpenAt: Date?
    /// The queue's target time to resolve a case, when it has one.
    public var sla: QueueSLA?
    /// Open cases opened longer ago than the SLA target.
    public var breaches: Int

    public init(queue: String, open: Int, unassigned: Int, oldestOpenAt: Date?, sla: QueueSLA? = nil, breaches: Int = 0) {
        self.queue = queue
        self.open = open
        self.unassigned = unassigned
        self.oldestOpenAt = oldestOpenAt
        self.sla = sla
        self.breaches = breaches
    }
}

/// A queue's service-level target: a case is resolved within this many minutes of being opened.
public struct QueueSLA: Sendable, Equatable {
    public static let minutesRange = 1...(60 * 24 * 90)

    public let queue: String
    public let minutes: Int

    /// Refuses a target outside one minute to ninety days (a typo, not a policy).
    public init(queue: String, minutes: Int) throws(CaseError) {
        try Self.checkQueueName(queue)
        guard Self.minutesRange.contains(minutes) else {
            throw CaseError.invalid("an SLA target is from \(Self.minutesRange.lowerBound) minute to \(Self.minutesRange.upperBound) minutes (90 days), not \(minutes)")
        }
        self.queue = queue
        self.minutes = minutes
    }

    /// A queue's name as a case takes it: 1 to 64 characters, none of them a control character.
    public static func checkQueueName(_ queue: String) throws(CaseError) {
        guard !queue.isEmpty, queue.count <= 64 else { throw CaseError.invalid("a queue's name is 1 to 64 characters") }
        guard !ControlCharacters.found(in: queue) else {
            throw CaseError.invalid("a queue's name has no control characters")
        }
    }

    /// Whether a case opened at `opened` and still open at `now` has waited past the target.
    public func isBreached(opened: Date, now: Date) -> Bool { now.timeIntervalSince(opened) > Double(minutes) * 60 }

    /// When a case opened at `opened` breaches the target.
    public func due(opened: Date) -> Date { opened.addingTimeInterval(Double(minutes) * 60) }
}

/// What a queue's row shows of a case beyond the case itself: its accounts by the platform's
/// reference id, and its closest match (where the match came from, and how near it was).
public struct CaseQueueFacts: Sendable, Equatable {
    public var accountReferences: [String]
    public var closestMatch: EvidenceMatch?

    public init(accountReferences: [String] = [], closestMatch: EvidenceMatch? = nil) {
        self.accountReferences = accountReferences
        self.closestMatch = closestMatch
    }

    /// The closest of a case's matches: the smallest distance among one provider's (Vigil's
    /// own banks, PDQ Hamming distances, before another provider's scale such as PhotoDNA's);
    /// matches that carry none (a provider's answer without one, a file added by hand) only when
    /// no match has one.
    public static func closest(_ matches: [EvidenceMatch]) -> EvidenceMatch? {
        func rank(_ match: EvidenceMatch) -> (Int, Int) {
            guard let distance = match.distance else { return (2, 0) }
            return (match.provider == "vigil" ? 0 : 1, distance)
        }
        return matches.min { rank($0) < rank($1) }
    }
}
