public import Foundation

/// An evidence file as Vigil keeps it: encrypted at rest, addressed by the SHA-256 of its
/// bytes, stored once however many cases cite it, and kept until its preservation ends.
public struct StoredMedia: Sendable, Equatable {
    public var sha256: String
    public var size: Int
    public var contentType: String
    public var storedAt: Date
    /// Kept at least until then; nil while no decision has set it (an open case keeps it).
    public var keepUntil: Date?
    /// A legal hold: never purged while it is on.
    public var legalHold: Bool
    public var purgedAt: Date?

    public init(sha256: String, size: Int, contentType: String, storedAt: Date, keepUntil: Date?, legalHold: Bool, purgedAt: Date?) {
        self.sha256 = sha256
        self.size = size
        self.contentType = contentType
        self.storedAt = storedAt
        self.keepUntil = keepUntil
        self.legalHold = legalHold
        self.purgedAt = purgedAt
    }
}

/// Someone looked at an evidence file itself (not its preview): who, which, when, from where.
/// What the CyberTipline's `viewedByEsp` is answered from.
public struct MediaReveal: Sendable, Equatable {
    public var id: Int64
    public var sha256: String
    public var caseID: Int64?
    public var actor: String
    public var remote: String?
    public var at: Date
    /// The file's queues and priority when it was revealed (of every case citing it, the most
    /// severe priority any reveal of it had): what the caps of queues and priorities count.
    public var queues: [String]
    public var priority: Priority?
    /// When the reviewer hid it again (nil: not hidden, so counted in full).
    public var endedAt: Date?

    public init(id: Int64, sha256: String, caseID: Int64?, actor: String, remote: String?, at: Date,
                queues: [String] = [], priority: Priority? = nil, endedAt: Date? = nil) {
        self.id = id
        self.sha256 = sha256
        self.caseID = caseID
        self.actor = actor
        self.remote = remote
        self.at = at
        self.queues = queues
        self.priority = priority
        self.endedAt = endedAt
    }
}

/// How long evidence is kept once its case is decided.
public struct PreservationPolicy: Sendable, Equatable {
    /// After a confirmed (and so reportable) case is resolved, and after a report.
    public var confirmedDays: Int
    /// After a case is resolved as a false positive (when no other case still needs the file).
    public var falsePositiveDays: Int

    public init(confirmedDays: Int = 365, falsePositiveDays: Int = 30) {
        self.confirmedDays = confirmedDays
        self.falsePositiveDays = falsePositiveDays
    }
}
