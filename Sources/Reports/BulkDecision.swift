public import Cases

/// One case of a bulk decision, named with the version the reviewer saw on the queue.
public struct CaseAtVersion: Sendable, Equatable {
    public let id: Int64
    public let version: Int

    public init(id: Int64, version: Int) {
        self.id = id
        self.version = version
    }
}

/// What became of one case of a bulk decision.
public enum BulkDecisionOutcome: Sendable {
    case decided(Case)
    /// The case was not changed: it changed since the queue was read, is resolved, is gone,
    /// or the decision does not fit it. The reason is in words.
    case refused(caseID: Int64, reason: String)

    public var caseID: Int64 {
        switch self {
        case let .decided(item): item.id
        case let .refused(id, _): id
        }
    }
}

extension CaseReview {
    /// The most cases one bulk decision takes: a queue page.
    public static let bulkLimit = 100

    /// One decision applied to each case on its own, as if decided one by one (each checked
    /// against the version the reviewer saw, with its reports withdrawn on a false positive):
    /// a case that cannot take it is left as it is and said why; the others are decided.
    /// A failure that is not about one case (the database) stops the rest and is thrown.
    public func decideEach(_ targets: [CaseAtVersion], _ decision: CaseDecision, note: String?, actor: String) async throws -> [BulkDecisionOutcome] {
        guard !targets.isEmpty else { throw CaseError.invalid("choose at least one case") }
        guard targets.count <= Self.bulkLimit else { throw CaseError.invalid("at most \(Self.bulkLimit) cases at once, not \(targets.count)") }
        guard Set(targets.map(\.id)).count == targets.count else { throw CaseError.invalid("a case is named twice") }
        var outcomes: [BulkDecisionOutcome] = []
        for target in targets {
            do {
                outcomes.append(.decided(try await decide(target.id, DecisionRequest(decision: decision, expectedVersion: target.version,
                                                                                     note: note, actor: actor))))
            } catch let error as CaseError {
                outcomes.append(.refused(caseID: target.id, reason: error.description))
            }
        }
        return outcomes
    }
}
