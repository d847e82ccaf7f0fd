public import Foundation

/// How much evidence one reviewer may see in a shift: a cap on reveals in a rolling window, and
/// how long a revealed file stays clear before it blurs again. Blurring alone does not protect
/// reviewers; a cap on what each one sees does. Near the cap the reviewer is warned; at the cap
/// reveals are refused until the oldest one leaves the window, and the reviewer is pointed to
/// work that needs no image.
public struct ExposureBudget: Sendable, Equatable {
    /// Reveals one person may make in a shift.
    public var revealsPerShift: Int
    /// The rolling window a shift is.
    public var shiftHours: Int
    /// A revealed file blurs again after this long; it is also what one reveal counts as seconds seen.
    public var revealSeconds: Int

    /// Warned from this share of the cap on.
    public static let warnShare = 0.8

    public init(revealsPerShift: Int = 60, shiftHours: Int = 8, revealSeconds: Int = 30) {
        self.revealsPerShift = revealsPerShift
        self.shiftHours = shiftHours
        self.revealSeconds = revealSeconds
    }

    public var shift: TimeInterval { Double(shiftHours) * 3600 }
}

extension ExposureBudget {
    /// `actor`'s exposure given the times of their reveals in the shift: when over the cap, it
    /// eases when enough of the oldest have left the window to allow one more.
    public func exposure(of actor: String, revealTimes: [Date]) -> Exposure {
        let times = revealTimes.sorted()
        let index = max(0, times.count - revealsPerShift)
        return Exposure(actor: actor, reveals: times.count, budget: self,
                        easesAt: times.indices.contains(index) ? times[index].addingTimeInterval(shift) : nil)
    }
}

/// One person's exposure in the current shift.
public struct Exposure: Sendable, Equatable {
    public let actor: String
    public let reveals: Int
    public let budget: ExposureBudget
    /// When the oldest reveal of the window leaves it (a reveal is possible again then, at the cap).
    public let easesAt: Date?

    public init(actor: String, reveals: Int, budget: ExposureBudget, easesAt: Date?) {
        self.actor = actor
        self.reveals = reveals
        self.budget = budget
        self.easesAt = easesAt
    }

    public var left: Int { max(0, budget.revealsPerShift - reveals) }
    public var secondsSeen: Int { reveals * budget.revealSeconds }
    public var atLimit: Bool { left == 0 }
    /// From the warning share of the cap on, or with one reveal left (a small cap warns too).
    public var nearLimit: Bool { Double(reveals) >= Double(budget.revealsPerShift) * ExposureBudget.warnShare || left <= 1 }

    /// "12 of 60 reveals left this shift".
    public var summary: String { "\(left) of \(budget.revealsPerShift) reveals left this shift" }
}
