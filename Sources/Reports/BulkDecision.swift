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
    /// or the decision does not fit it; or deciding it failed part-way (the reason says so).
    /// The reason is short, in words.
    case refused(caseID: Int64, reason: String)

    public var isDecided: Bool { if case .decided = self { true } else { false } }
}

extension CaseReview {
    /// The most cases one bulk decision takes: a queue page.
    public static let bulkLimit = 100

    /// One decision applied to each case on its own, as if decided one by one (each checked
    /// against the version the reviewer saw, with its reports withdrawn on a false positive):
    /// a case that cannot take it is left as it is and said why; the others are decided. What is
    /// wrong with the decision itself (a bank that is not there) refuses the whole request first.
    /// A case whose decision failed part-way (its bank entry or its reports) is named with the
    /// failure, and the others are still decided: the list says what became of each.
    public func decideEach(_ targets: [CaseAtVersion], _ decision: CaseDecision, note: String?, actor: String) async throws -> [BulkDecisionOutcome] {
        guard !targets.isEmpty else { throw CaseError.invalid("choose at least one case") }
        guard targets.count <= Self.bulkLimit else { throw CaseError.invalid("at most \(Self.bulkLimit) cases at once, not \(targets.count)") }
        guard Set(targets.map(\.id)).count == targets.count else { throw CaseError.invalid("a case is named twice") }
        _ = try await cases.targetBank(of: decision)
        var outcomes: [BulkDecisionOutcome] = []
        for target in targets {
            do {
                outcomes.append(.decided(try await decide(target.id, DecisionRequest(decision: decision, expectedVersion: target.version,
                                                                                     note: note, actor: actor))))
            } catch let error as CaseError {
                outcomes.append(.refused(caseID: target.id, reason: Self.reason(error)))
            } catch {
                outcomes.append(.refused(caseID: target.id, reason: "failed part-way, open the case to see what changed: \(error)"))
            }
        }
        return outcomes
    }

    /// Why one case was left, as a reviewer reads it beside its number.
    static func reason(_ error: CaseError) -> String {
        switch error {
        case .notFound: "no such case"
        case let .conflict(_, current): current.isFinal ? "already resolved (\(current.status.replacingOccurrences(of: "_", with: " ")))"
                                                        : "changed since it was shown (now version \(current.version))"
        case let .invalid(message): message
        case let .accountConflict(message, _): message
        case .exposureLimit: error.description
        }
    }
}
