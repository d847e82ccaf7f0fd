@testable import Cases
import Events
import Foundation
import JSONValues
import Testing

/// The rules of decisions, without storage: which status each leads to, what it records, and
/// what it refuses.
@Suite struct CaseRulesTests {
    static func openCase(status: String = "open", version: Int = 3) -> Case {
        Case(id: 7, title: "upload 42", template: "default", status: status, isFinal: CaseTemplate.standard.kind(of: status) == .final,
             priority: .normal, queue: "csam", assignee: nil, fields: [:], accountIDs: [], evidenceCount: 1, version: version,
             createdBy: "key:1", createdAt: Date(), updatedAt: Date(), resolvedAt: nil)
    }

    @Test func theStandardTemplateIsValidAndNamesItsDecisionStatuses() {
        let template = CaseTemplate.standard
        #expect(template.problems().isEmpty)
        #expect(template.initialStatus == "open")
        #expect(template.kind(of: "resolved_confirmed") == .final)
        #expect(template.kind(of: "escalated") == .intermediate)
    }

    @Test func aTemplateWithoutAFinalStatusOrWithAWrongDecisionStatusIsRefusedWithEveryProblem() {
        let template = CaseTemplate(name: "bad name!", statuses: [.init("new", .initial), .init("new", .intermediate)],
                                    confirmedStatus: "done", falsePositiveStatus: "new", escalatedStatus: "up")
        let problems = template.problems().joined(separator: "\n")
        #expect(problems.contains("name must be"))
        #expect(problems.contains("distinct"))
        #expect(problems.contains("at least one status must be final"))
        #expect(problems.contains("confirmed_status \"done\""))
        #expect(problems.contains("escalated_status \"up\""))
    }

    @Test func confirmResolvesAndEmitsOneStatusEvent() throws {
        let change = try CaseService.apply(.confirm(addToBank: "NCMEC"), note: "seen", to: Self.openCase(), template: .standard, actor: "key:5")
        #expect(change.updated.status == "resolved_confirmed")
        #expect(change.updated.isFinal)
        #expect(change.events.map(\.type) == [EventTypes.caseStatusUpdated])
        #expect(change.events.first?.payload.object?["previous_status"] == "open")
        #expect(change.history.first?.detail.object?["added_to_bank"] == "NCMEC")
    }

    @Test func escalateMovesToTheEscalatedStatusWithBothEvents() throws {
        let change = try CaseService.apply(.escalate, note: nil, to: Self.openCase(status: "in_review"), template: .standard, actor: "key:5")
        #expect(change.updated.status == "escalated")
        #expect(change.events.map(\.type) == [EventTypes.caseStatusUpdated, EventTypes.caseEscalated])
    }

    @Test func aResolvedCaseRefusesEveryFurtherResolutionAsAConflictWithItsState() {
        let resolved = Self.openCase(status: "resolved_false_positive")
        for decision in [CaseDecision.confirm(addToBank: nil), .falsePositive(addToAllowBank: nil), .escalate, .assign("ana"), .setStatus("in_review")] {
            #expect {
                try CaseService.apply(decision, note: nil, to: resolved, template: .standard, actor: "key:5")
            } throws: { error in
                guard case let .conflict(_, current) = error as? CaseError else { return false }
                return current.status == "resolved_false_positive"
            }
        }
    }

    @Test func assigningRecordsThePreviousAssignee() throws {
        var assigned = Self.openCase()
        assigned.assignee = "ana"
        let change = try CaseService.apply(.assign("bo"), note: nil, to: assigned, template: .standard, actor: "key:5")
        #expect(change.updated.assignee == "bo")
        #expect(change.events.first?.type == EventTypes.caseAssigned)
        #expect(change.events.first?.payload.object?["previous_assignee"] == "ana")
    }

    @Test func eventTypePatternsMatchExactlyByFamilyOrAll() {
        #expect(EventTypes.matches(["case.*"], "case.created"))
        #expect(!EventTypes.matches(["case.*"], "account.blocked"))
        #expect(EventTypes.matches(["*"], "account.blocked"))
        #expect(EventTypes.matches(["account.blocked"], "account.blocked"))
        #expect(EventTypes.problem(["case.*", "match.found"]) == nil)
        #expect(EventTypes.problem(["case.nothing"])?.contains("case.nothing") == true)
    }
}
