/// How the queue hands out work (issue 30 §4): the most urgent open case nobody has, the
/// longest waiting first — except that after a run of severe cases a reviewer is handed a
/// lighter one when there is one, so no one is given the worst material case after case.
public struct CaseRotation: Sendable, Equatable {
    /// How many severe cases in a row a reviewer may be handed before a lighter one comes first.
    public var severeRun: Int
    /// From this priority up a case counts as severe.
    public var severeFrom: Priority

    public init(severeRun: Int = 3, severeFrom: Priority = .high) {
        self.severeRun = severeRun
        self.severeFrom = severeFrom
    }

    /// What to hand out from `waiting` (open, unassigned; any order), given the reviewer's latest
    /// cases (newest first), and whether a lighter case was chosen to break a severe run; nil
    /// when nothing waits.
    public func next(from waiting: [Case], recent: [Case]) -> (case: Case, lighter: Bool)? {
        let ordered = waiting.sorted { lhs, rhs in
            if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
            return (lhs.createdAt, lhs.id) < (rhs.createdAt, rhs.id)
        }
        guard let first = ordered.first else { return nil }
        let tiring = recent.count >= severeRun && recent.prefix(severeRun).allSatisfy { $0.priority >= severeFrom }
        if tiring, first.priority >= severeFrom, let lighter = ordered.first(where: { $0.priority < severeFrom }) { return (lighter, true) }
        return (first, false)
    }
}
