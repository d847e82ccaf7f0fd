import Banks
import Cases
import Events
import Foundation
import Jobs
import JSONValues
import Storage
import Testing
import VigilTestSupport

/// Cases on real SQLite and PostgreSQL: decisions raced from many connections at once (one
/// wins, every other gets the winner's state), and a change, its history and its events
/// committed together or not at all.
@Suite struct CaseStoreTests {
    @Test(arguments: Backend.allCases)
    func concurrentDecisionsOnOneVersionHaveOneWinner(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        let cases = CaseService(store: SQLCaseStore(database: database), banks: banks)
        for round in 0..<3 {
            let opened = try await cases.open(NewCase(title: "race \(round)"), actor: "test").case
            let decisions: [CaseDecision] = [.confirm(addToBank: nil), .falsePositive(addToAllowBank: nil), .escalate, .assign("ana"),
                                             .setStatus("in_review"), .confirm(addToBank: nil), .falsePositive(addToAllowBank: nil), .escalate]
            let outcomes = await withTaskGroup(of: Result<Case, any Error>.self) { group in
                for (index, decision) in decisions.enumerated() {
                    group.addTask {
                        do {
                            return .success(try await cases.decide(opened.id, DecisionRequest(decision: decision, expectedVersion: 1, actor: "reviewer-\(index)")))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.compactMap { try? $0.get() }
            #expect(winners.count == 1, "round \(round): \(winners.map { $0.status })")
            let winner = try #require(winners.first)
            for case let .failure(error) in outcomes {
                guard case let .conflict(_, current) = error as? CaseError else {
                    Issue.record("not a conflict: \(error)")
                    continue
                }
                #expect(current.version == 2 && current.status == winner.status)
            }
            let detail = try await cases.detail(opened.id)
            #expect(detail.timeline.filter { $0.kind == "decision" }.count == 1)
            let events = try await SQLEventStore(database: database).events(after: 0, types: nil, limit: 1000).filter { $0.subject == "case:\(opened.id)" }
            #expect(events.first?.type == EventTypes.caseCreated)
            #expect(events.dropFirst().allSatisfy { $0.payload.object?["version"] == .number(2) }, "only the winner's events")
        }
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func aRefusedChangeWritesNothing(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (banks, database) = try await db.service()
        let events = SQLEventStore(database: database)
        let cases = CaseService(store: SQLCaseStore(database: database), banks: banks)
        let opened = try await cases.open(NewCase(title: "x"), actor: "test").case
        _ = try await cases.decide(opened.id, DecisionRequest(decision: .confirm(addToBank: nil), actor: "a"))
        let before = try await events.latestID()
        await #expect(throws: CaseError.self) {
            _ = try await cases.decide(opened.id, DecisionRequest(decision: .escalate, actor: "b"))
        }
        #expect(try await events.latestID() == before)
        #expect(try await cases.detail(opened.id).timeline.count == 2)
        await #expect(throws: CaseError.self) { _ = try await cases.decide(999_999, DecisionRequest(decision: .escalate, actor: "b")) }
        await database.close()
    }
}

/// A batch of events (the recorder's) is written with one statement per table, in order, each
/// with its webhook delivery and job.
@Suite struct EventBatchTests {
    @Test(arguments: Backend.allCases)
    func aBatchKeepsItsOrderAndQueuesOneDeliveryPerEvent(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let webhooks = SQLWebhookStore(database: database)
        let subscription = try await webhooks.createSubscription(NewWebhookSubscription(credentialID: "cred_x", eventTypes: ["match.found"]), at: Date())
        let events = SQLEventStore(database: database)
        let batch = (0..<700).map { NewEvent(type: $0.isMultiple(of: 7) ? EventTypes.caseCreated : EventTypes.matchFound, subject: "lookup:\($0)",
                                             actor: "test", payload: ["n": .number(Double($0))]) }
        let written = try await events.append(batch, at: Date())
        #expect(written.map(\.subject) == batch.map(\.subject))
        #expect(written.map(\.id) == written.map(\.id).sorted())
        let deliveries = try await webhooks.deliveries(subscriptionID: subscription.id, states: nil, before: nil, limit: 1000)
        #expect(deliveries.count == 600, "only the types the subscription wants")
        #expect(Set(deliveries.compactMap(\.jobID)).count == 600, "each delivery names its own job")
        let jobs = try await SQLJobStore(database: database).jobs(kinds: ["webhook.deliver"], states: nil, limit: 1000)
        let payloads = Set(jobs.map(\.payload))
        #expect(deliveries.allSatisfy { delivery in
            jobs.first { $0.id == delivery.jobID }?.payload == #"{"delivery":\#(delivery.id)}"#
        })
        #expect(payloads.count == 600)
        await database.close()
    }
}
