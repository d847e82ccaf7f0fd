import Access
import Cases
import Foundation
import HummingbirdTesting
import Testing
import VigilTestSupport

/// The queue through the API (issue 30 §3): search and order, each queue's SLA target with the
/// open cases past it, and one decision on many cases, each on the version the caller saw.
@Suite struct CaseQueueAPITests {
    @Test func theQueueIsSearchedOrderedAndPagedAndBadParametersAreNamed() async throws {
        let fixture = try await ServerFixture()
        let account = try await fixture.service.accounts.upsert(NewAccount(referenceID: "seller-77"), actor: "test").account
        let low = try await fixture.service.cases.open(NewCase(title: "low one", priority: .low, accountIDs: [account.id]), actor: "test").case
        let urgent = try await fixture.service.cases.open(NewCase(title: "urgent one", priority: .urgent), actor: "test").case
        try await fixture.test { http in
            let found = try await http.call(.get, "/v1/cases?q=SELLER-7", key: fixture.viewer)
            #expect(found.status == 200 && (found.json["cases"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [Int(low.id)], "\(found.text)")
            let ordered = try await http.call(.get, "/v1/cases?sort=priority&limit=1", key: fixture.viewer)
            #expect((ordered.json["cases"] as? [[String: Any]])?.first?["id"] as? Int == Int(urgent.id))
            #expect(ordered.json["next_offset"] as? Int == 1 && ordered.json["next_before"] == nil)
            let next = try await http.call(.get, "/v1/cases?sort=priority&limit=1&offset=1", key: fixture.viewer)
            #expect((next.json["cases"] as? [[String: Any]])?.first?["id"] as? Int == Int(low.id))
            let badSort = try await http.call(.get, "/v1/cases?sort=loudest", key: fixture.viewer)
            #expect(badSort.status == 400 && badSort.errorMessage?.contains("sort must be one of newest, oldest, priority, updated") == true)
            #expect(try await http.call(.get, "/v1/cases?sort=oldest&before=5", key: fixture.viewer).status == 400)
            #expect(try await http.call(.get, "/v1/cases?offset=5", key: fixture.viewer).status == 400)
            // A "+" is a space, as clients encode one; a control character is refused in words.
            let spaced = try await http.call(.get, "/v1/cases?q=urgent+one", key: fixture.viewer)
            #expect((spaced.json["cases"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [Int(urgent.id)], "\(spaced.text)")
            let nul = try await http.call(.get, "/v1/cases?q=a%00b", key: fixture.viewer)
            #expect(nul.status == 400 && nul.errorMessage?.contains("control character") == true)
            // The last page says so: no next offset past the deepest one allowed.
            let deepest = try await http.call(.get, "/v1/cases?sort=oldest&limit=1&offset=100000", key: fixture.viewer)
            #expect(deepest.status == 200 && deepest.json["next_offset"] == nil)
        }
    }

    @Test func anAdminSetsAQueuesSLAAndTheQueueCountsTheCasesPastIt() async throws {
        let fixture = try await ServerFixture()
        _ = try await fixture.service.cases.open(NewCase(title: "waiting", queue: "csam"), actor: "test")
        try await fixture.test { http in
            let refused = try await http.json(.put, "/v1/case-queues/csam", key: fixture.reviewer, #"{"sla_minutes":60}"#)
            #expect(refused.status == 403)
            let nonsense = try await http.json(.put, "/v1/case-queues/csam", key: fixture.admin, #"{"sla_minutes":0}"#)
            #expect(nonsense.status == 400 && nonsense.errorMessage?.contains("an SLA target is from 1 minute") == true, "\(nonsense.text)")
            // A body without the key (or with it misspelt) removes nothing.
            let misspelt = try await http.json(.put, "/v1/case-queues/csam", key: fixture.admin, #"{"sla_minute":60}"#)
            #expect(misspelt.status == 400 && misspelt.errorMessage?.hasPrefix("sla_minutes is required") == true, "\(misspelt.text)")
            let saved = try await http.json(.put, "/v1/case-queues/csam", key: fixture.admin, #"{"sla_minutes":60}"#)
            #expect(saved.status == 200 && saved.json["sla_minutes"] as? Int == 60, "\(saved.text)")
            _ = try await http.json(.put, "/v1/case-queues/appeals", key: fixture.admin, #"{"sla_minutes":1440}"#)
            func queues() async throws -> [String: [String: Any]] {
                let reply = try await http.call(.get, "/v1/case-queues", key: fixture.viewer)
                return Dictionary(uniqueKeysWithValues: (reply.json["queues"] as? [[String: Any]] ?? []).map { ($0["queue"] as? String ?? "", $0) })
            }
            #expect(try await queues()["csam"]?["sla_breaches"] as? Int == 0)
            fixture.clock.advance(by: 61 * 60)
            let now = try await queues()
            #expect(now["csam"]?["sla_breaches"] as? Int == 1 && now["csam"]?["sla_minutes"] as? Int == 60)
            // A queue with a target and nothing waiting is listed too.
            #expect(now["appeals"]?["open"] as? Int == 0 && now["appeals"]?["sla_minutes"] as? Int == 1440)
            // The name in the path is decoded: a queue with a space gets its own target.
            #expect(try await http.json(.put, "/v1/case-queues/trust%20and%20safety", key: fixture.admin, #"{"sla_minutes":30}"#).status == 200)
            #expect(try await fixture.service.cases.queueSLAs().contains { $0.queue == "trust and safety" && $0.minutes == 30 })
            let cleared = try await http.json(.put, "/v1/case-queues/csam", key: fixture.admin, #"{"sla_minutes":null}"#)
            #expect(cleared.status == 200 && cleared.json["sla_minutes"] is NSNull)
            #expect(try await queues()["csam"]?["sla_breaches"] as? Int == 0)
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 10, filter: AuditFilter(action: "case_queue.sla"))
            #expect(audit.contains { $0.target == "queue:csam" && $0.outcome == "ok: 60 min" }, "\(audit)")
        }
    }

    @Test func aReviewerTakesTheNextCaseAndNothingWaitingIsNoContent() async throws {
        let fixture = try await ServerFixture()
        let waiting = try await fixture.service.cases.open(NewCase(title: "waiting", priority: .high, queue: "csam"), actor: "test").case
        try await fixture.test { http in
            #expect(try await http.json(.post, "/v1/case-assignments", key: fixture.viewer, #"{"assignee":"rita"}"#).status == 403)
            #expect(try await http.json(.post, "/v1/case-assignments", key: fixture.reviewer, #"{"assignee":""}"#).status == 400)
            let taken = try await http.json(.post, "/v1/case-assignments", key: fixture.reviewer, #"{"assignee":"rita","queue":"csam"}"#)
            #expect(taken.status == 200 && taken.json["id"] as? Int == Int(waiting.id) && taken.json["assignee"] as? String == "rita", "\(taken.text)")
            #expect(try await http.json(.post, "/v1/case-assignments", key: fixture.reviewer, #"{"assignee":"rita"}"#).status == 204)
        }
    }

    @Test func oneDecisionOnManyCasesLeavesACaseChangedMeanwhileAndSaysSo() async throws {
        let fixture = try await ServerFixture()
        let first = try await fixture.service.cases.open(NewCase(title: "one"), actor: "test").case
        let second = try await fixture.service.cases.open(NewCase(title: "two"), actor: "test").case
        let third = try await fixture.service.cases.open(NewCase(title: "three"), actor: "test").case
        // Someone else changes the second case after the queue was read at version 1.
        _ = try await fixture.service.cases.decide(second.id, DecisionRequest(decision: .setPriority(.high), expectedVersion: 1, actor: "user:bo"))
        try await fixture.test { http in
            let body = #"{"cases":[{"id":\#(first.id),"version":1},{"id":\#(second.id),"version":1},{"id":\#(third.id),"version":1}],"decision":"escalate","note":"wave"}"#
            #expect(try await http.json(.post, "/v1/case-decisions", key: fixture.viewer, body).status == 403)
            let reply = try await http.json(.post, "/v1/case-decisions", key: fixture.reviewer, body)
            #expect(reply.status == 200 && reply.json["decided"] as? Int == 2 && reply.json["refused"] as? Int == 1, "\(reply.text)")
            let results = try #require(reply.json["results"] as? [[String: Any]])
            #expect(results.map { $0["id"] as? Int } == [Int(first.id), Int(second.id), Int(third.id)])
            #expect(results[1]["decided"] as? Bool == false && (results[1]["reason"] as? String)?.isEmpty == false)
            #expect(try await fixture.service.cases.detail(first.id).case.status == "escalated")
            #expect(try await fixture.service.cases.detail(second.id).case.status == "open", "the changed case is left as it is")
            #expect((results[1]["reason"] as? String)?.hasPrefix("changed since it was shown") == true)
            let audit = try await fixture.service.audit.latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "case.bulk_decision"))
            #expect(audit.first?.outcome == "ok: escalate: 2 of 3 decided", "\(audit)")
            // What is wrong with the decision itself refuses it whole, once.
            let noBank = try await http.json(.post, "/v1/case-decisions", key: fixture.reviewer,
                                             #"{"cases":[{"id":\#(third.id),"version":2}],"decision":"confirm","add_to_bank":"NOPE"}"#)
            #expect(noBank.status == 404, "\(noBank.text)")
            // A decision naming its own version, or the same case twice, or none, is refused whole.
            let versioned = try await http.json(.post, "/v1/case-decisions", key: fixture.reviewer,
                                                #"{"cases":[{"id":\#(first.id),"version":2}],"decision":"escalate","version":2}"#)
            #expect(versioned.status == 400)
            let twice = try await http.json(.post, "/v1/case-decisions", key: fixture.reviewer,
                                            #"{"cases":[{"id":\#(third.id),"version":2},{"id":\#(third.id),"version":2}],"decision":"set_priority","priority":"low"}"#)
            #expect(twice.status == 400 && twice.errorMessage == "a case is named twice", "\(twice.text)")
            #expect(try await http.json(.post, "/v1/case-decisions", key: fixture.reviewer, #"{"cases":[],"decision":"escalate"}"#).status == 400)
            #expect(try await fixture.service.cases.detail(third.id).case.priority == .normal)
        }
    }
}
