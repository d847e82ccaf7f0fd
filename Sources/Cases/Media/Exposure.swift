public import Foundation

/// One person's exposure in the current shift: against the shift's cap, and against each cap of
/// a queue or a priority.
public struct Exposure: Sendable, Equatable {
    public let actor: String
    public let budget: ExposureBudget
    /// Every reveal of theirs in the shift, against the shift's cap.
    public let shift: ExposureUse
    /// The reveals each queue's or priority's cap counts, in the order the caps are listed.
    public let scoped: [ExposureUse]

    public init(actor: String, budget: ExposureBudget, shift: ExposureUse, scoped: [ExposureUse]) {
        self.actor = actor
        self.budget = budget
        self.shift = shift
        self.scoped = scoped
    }

    public var reveals: Int { shift.reveals }
    public var left: Int { shift.revealsLeft ?? 0 }
    public var secondsSeen: Int { shift.seconds }
    public var atLimit: Bool { shift.atLimit }
    public var easesAt: Date? { shift.easesAt }

    /// The caps a reveal of a file cited in these queues, at this priority, counts against: the
    /// shift's, then each of theirs.
    public func uses(queues: [String], priority: Priority?) -> [ExposureUse] {
        [shift] + scoped.filter { $0.limit.scope.applies(queues: queues, priority: priority) }
    }

    /// The cap that refuses such a reveal now, if one does.
    public func refusal(queues: [String], priority: Priority?) -> ExposureUse? { uses(queues: queues, priority: priority).first(where: \.atLimit) }

    /// The cap such a reveal comes near, if one does (a warning, not a refusal).
    public func warning(queues: [String], priority: Priority?) -> ExposureUse? { uses(queues: queues, priority: priority).first(where: \.nearLimit) }

    /// Whether any cap is near or at its end (a supervisor's view).
    public var nearLimit: Bool { shift.nearLimit || scoped.contains(where: \.nearLimit) }

    /// "12 of 60 reveals and 24 of 30 min left this shift".
    public var summary: String { shift.left + " left this shift" }

    /// The same for a case of this queue and priority, with each of its own caps:
    /// "12 of 60 reveals … left this shift; for files of urgent cases, 2 of 10 reveals left".
    public func summary(queues: [String], priority: Priority?) -> String {
        ([summary] + uses(queues: queues, priority: priority).dropFirst().map { "for \($0.limit.scope.words), \($0.left) left" }).joined(separator: "; ")
    }
}

/// How much of one cap a person has used in the shift.
public struct ExposureUse: Sendable, Equatable {
    public let limit: ExposureLimit
    public let reveals: Int
    /// Seconds revealed, measured (each reveal until it was hidden, at most the re-blur time).
    public let seconds: Int
    /// What one more reveal may add: it needs this many seconds left.
    public let revealSeconds: Int
    /// When enough of the oldest reveals have left the window for one more (nil when not at the cap).
    public let easesAt: Date?

    public init(limit: ExposureLimit, reveals: Int, seconds: Int, revealSeconds: Int, easesAt: Date?) {
        self.limit = limit
        self.reveals = reveals
        self.seconds = seconds
        self.revealSeconds = revealSeconds
        self.easesAt = easesAt
    }

    public var revealsLeft: Int? { limit.revealsPerShift.map { max(0, $0 - reveals) } }
    public var secondsLeft: Int? { limit.secondsPerShift.map { max(0, $0 - seconds) } }

    /// No reveal is possible under this cap: no reveal left, or fewer seconds than one reveal may last.
    public var atLimit: Bool { !Self.fits(reveals: reveals, seconds: Double(seconds), limit: limit, revealSeconds: revealSeconds) }

    /// From the warning share of either cap on, or with one reveal left (a small cap warns too),
    /// once something was revealed under it.
    public var nearLimit: Bool {
        guard reveals > 0 else { return false }
        let share = ExposureBudget.warnShare
        let byReveals = limit.revealsPerShift.map { Double(reveals) >= Double($0) * share || $0 - reveals <= 1 } ?? false
        let bySeconds = limit.secondsPerShift.map { Double(seconds) >= Double($0) * share || $0 - seconds < 2 * revealSeconds } ?? false
        return byReveals || bySeconds
    }

    /// Whether one more reveal, at its full length, fits under the cap.
    static func fits(reveals: Int, seconds: Double, limit: ExposureLimit, revealSeconds: Int) -> Bool {
        (limit.revealsPerShift.map { reveals < $0 } ?? true) && (limit.secondsPerShift.map { seconds + Double(revealSeconds) <= Double($0) } ?? true)
    }

    /// "12 of 60 reveals and 24 of 30 min".
    public var left: String {
        [limit.revealsPerShift.map { "\(revealsLeft ?? 0) of \($0) reveals" },
         limit.secondsPerShift.map { "\(Self.duration(secondsLeft ?? 0)) of \(Self.duration($0))" }].compactMap { $0 }.joined(separator: " and ")
    }

    /// Why a reveal is refused under this cap, in words (for the API and the audit).
    public func refusalText(actor: String) -> String { reason(subject: actor, have: "has") }

    /// The same said to the person: "You have revealed …".
    public func reason(subject: String, have: String) -> String {
        let scope = limit.scope
        let what = scope.words
        let allows = scope == .shift ? "a shift allows" : "the cap for \(scope.capName) allows"
        let reason = if let cap = limit.revealsPerShift, reveals >= cap {
            "\(subject) \(have) revealed \(reveals) \(reveals == 1 ? what.replacingOccurrences(of: "files", with: "file") : what) in this shift, "
                + "the most \(allows) (\(limit.words))"
        } else {
            "\(subject) \(have) had \(what) revealed for \(Self.duration(seconds)) in this shift: less is left of what \(allows) (\(limit.words)) "
                + "than one reveal lasts"
        }
        return reason + (scope == .shift ? ": reveals are paused" : ": reveals of \(what) are paused")
    }

    /// "90 s", "5 min", "1 h 5 min".
    public static func duration(_ seconds: Int) -> String {
        if seconds < 120 { return "\(seconds) s" }
        let minutes = seconds / 60
        return minutes < 60 ? "\(minutes) min" : "\(minutes / 60) h" + (minutes % 60 == 0 ? "" : " \(minutes % 60) min")
    }
}
