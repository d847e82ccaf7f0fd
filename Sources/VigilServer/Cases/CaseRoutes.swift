import Basics
import Reports
import Cases
import Foundation
import HTTPTypes
import Hummingbird
import JSONValues

/// Cases: opened (by a person or a workflow), listed as queues with filters, read with their
/// evidence and timeline, decided, commented and linked to accounts; and the templates whose
/// statuses they follow. A decision names the version it was made on: a second, concurrent
/// decision gets 409 with the current case.
struct CaseRoutes {
    let cases: CaseService
    let review: CaseReview
    let settings: ServerSettings
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("cases") { request, context in
            let body = try JSONInput.decode(NewCaseBody.self, from: try await request.collectJSON(limit: settings.maxJSONBytes))
            let new = NewCase(title: body.title, template: body.template ?? CaseTemplate.standard.name, priority: body.priority ?? .normal,
                              queue: body.queue ?? "default", assignee: body.assignee, fields: body.fields ?? [:], accountIDs: body.accountIDs ?? [],
                              evidence: (body.evidence ?? []).map(\.evidence))
            let opened = try await cases.open(new, actor: context.actor)
            return try JSONText.response(CaseJSON(try await cases.detail(opened.case.id)), status: .created)
        }
        routes.get("cases") { request, _ in
            let priorities = try request.queryStates("priority", as: Priority.self)
            let before = try request.queryInteger("before", default: 0, in: 0...Int.max)
            let limit = try request.queryInteger("limit", default: 50, in: 1...1000)
            let olderThan = try request.queryInteger("older_than_hours", default: 0, in: 0...100_000)
            let offset = try request.queryInteger("offset", default: 0, in: 0...Self.maxOffset)
            let sort = try request.query("sort").map { text in
                guard let sort = CaseSort(rawValue: text) else {
                    throw APIError.badRequest("sort must be one of \(CaseSort.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
                }
                return sort
            } ?? .newest
            // `before` pages the newest-first order by id; the other orders page by `offset`.
            if before > 0, sort != .newest { throw APIError.badRequest("before pages sort=newest only: page sort=\(sort.rawValue) with offset") }
            if offset > 0, sort == .newest { throw APIError.badRequest("offset pages the other orders: page sort=newest with before (next_before)") }
            let filter = CaseFilter(
                statuses: request.query("status").map { $0.split(separator: ",").map(String.init) }, priorities: priorities,
                assignee: request.query("assignee").flatMap { $0 == "none" ? nil : $0 }, unassigned: request.query("assignee") == "none",
                queue: request.query("queue"), createdBefore: olderThan > 0 ? Date().addingTimeInterval(-Double(olderThan) * 3600) : nil,
                createdAfter: try request.queryTime("since"), openOnly: request.query("open") == "true",
                accountID: try request.query("account_id").map { text in
                    guard let id = Int64(text) else { throw APIError.badRequest("account_id must be an integer") }
                    return id
                },
                // Read as a form reads it: a "+" is a space (as Python's requests and browsers send one).
                search: try request.formQuery["q"].map { text in
                    guard text.count <= 200 else { throw APIError.badRequest("q is at most 200 characters") }
                    guard !ControlCharacters.found(in: text) else {
                        throw APIError.badRequest("q has a control character: search for words, a reference id, a hash prefix or #number")
                    }
                    return CaseSearch(text)
                } ?? nil,
                sort: sort, before: before > 0 ? Int64(before) : nil, offset: offset, limit: limit)
            let found = try await cases.list(filter)
            let full = found.count == limit
            return try JSONText.response(CasePage(cases: found.map { CaseJSON($0) }, nextBefore: full && sort == .newest ? found.last?.id : nil,
                                                  nextOffset: full && sort != .newest && offset + limit <= Self.maxOffset ? offset + limit : nil))
        }
        routes.get("case-queues") { _, _ in
            // Queues with a target and no open case are listed too (nothing waiting, nothing breached).
            try JSONText.response(["queues": try await cases.queueHealth().map(QueueCountJSON.init)])
        }
        routes.put("case-queues/{name}") { request, context in
            struct Body: Decodable {
                let slaMinutes: Int?
                enum CodingKeys: String, CodingKey { case slaMinutes = "sla_minutes" }

                // The key is required: a body without it (or with it misspelt) must not remove a target.
                init(from decoder: any Decoder) throws {
                    let container = try decoder.container(keyedBy: CodingKeys.self)
                    guard container.contains(.slaMinutes) else {
                        throw APIError.badRequest("sla_minutes is required: the target in minutes, or null to remove it")
                    }
                    slaMinutes = try container.decodeNil(forKey: .slaMinutes) ? nil : try container.decode(Int.self, forKey: .slaMinutes)
                }
            }
            let raw = try context.parameters.require("name")
            let name = raw.removingPercentEncoding ?? raw
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 4 * 1024))
            let saved = try await auditor.audited(context, "case_queue.sla", target: "queue:\(name)",
                                                  outcome: { $0.map { "ok: \($0.minutes) min" } ?? "ok: no target" }) {
                try await cases.setQueueSLA(queue: name, minutes: body.slaMinutes)
            }
            return try JSONText.response(QueueSLAJSON(queue: name, slaMinutes: saved?.minutes))
        }
        routes.post("case-assignments") { request, context in
            struct Body: Decodable {
                let assignee: String
                let queue: String?
            }
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 4 * 1024))
            guard !body.assignee.isEmpty, body.assignee.count <= 200 else { throw APIError.badRequest("assignee is the reviewer's name, 1 to 200 characters") }
            guard let taken = try await cases.takeNext(assignee: body.assignee, actor: context.actor, queue: body.queue) else {
                return Response(status: .noContent)
            }
            var response = try JSONText.response(CaseJSON(try await cases.detail(taken.case.id)))
            if taken.lighter { response.headers[CaseRoutes.lighter] = "true" }
            return response
        }
        routes.post("case-decisions") { request, context in
            let body = try JSONInput.decode(BulkDecisionBody.self, from: try await request.collectBody(limit: 64 * 1024))
            let decision = try body.decision.parsed()
            let targets = body.cases.map { CaseAtVersion(id: $0.id, version: $0.version) }
            let outcomes = try await auditor.audited(context, "case.bulk_decision", target: "cases:" + targets.map { String($0.id) }.joined(separator: ","),
                                                     outcome: { "ok: \(decision.name): \($0.filter(\.isDecided).count) of \($0.count) decided" }) {
                try await review.decideEach(targets, decision, note: body.decision.note, actor: context.actor)
            }
            return try JSONText.response(BulkDecisionJSON(outcomes))
        }
        routes.get("cases/{id}") { _, context in
            try JSONText.response(CaseJSON(try await cases.detail(try Self.id(context))))
        }
        routes.post("cases/{id}/decisions") { request, context in
            let id = try Self.id(context)
            let body = try JSONInput.decode(DecisionBody.self, from: try await request.collectBody(limit: 64 * 1024))
            let decision = try body.parsed()
            _ = try await review.decide(id, DecisionRequest(decision: decision, expectedVersion: try body.requiredVersion(),
                                                                    note: body.note, actor: context.actor))
            // The case with its timeline: what the decision wrote (the bank entries it added, a
            // report it withdrew) is there to read.
            return try JSONText.response(CaseJSON(try await cases.detail(id)))
        }
        routes.post("cases/{id}/comments") { request, context in
            struct Body: Decodable { let text: String }
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 64 * 1024))
            let id = try Self.id(context)
            _ = try await cases.comment(id, text: body.text, actor: context.actor)
            return try JSONText.response(CaseJSON(try await cases.detail(id)), status: .created)
        }
        routes.post("cases/{id}/accounts") { request, context in
            struct Body: Decodable {
                let accountIDs: [Int64]
                enum CodingKeys: String, CodingKey { case accountIDs = "account_ids" }
            }
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 64 * 1024))
            return try JSONText.response(CaseJSON(try await cases.linkAccounts(try Self.id(context), body.accountIDs, actor: context.actor)))
        }
        routes.get("case-templates") { _, _ in
            try JSONText.response(["templates": try await cases.templates().map(CaseTemplateJSON.init)])
        }
        routes.get("case-templates/{name}") { _, context in
            try JSONText.response(CaseTemplateJSON(try await cases.template(try context.parameters.require("name"))))
        }
        routes.put("case-templates/{name}") { request, context in
            let name = try context.parameters.require("name")
            let template = try JSONInput.decode(CaseTemplateJSON.self, from: try await request.collectBody(limit: 64 * 1024)).template
            guard template.name == name else { throw APIError.badRequest("the template's name (\(template.name)) is not the one in the path (\(name))") }
            return try await auditor.audited(context, "case_template.save", target: "case_template:\(name)") {
                try JSONText.response(CaseTemplateJSON(try await cases.saveTemplate(template)))
            }
        }
    }

    static func id(_ context: VigilRequestContext) throws -> Int64 { try context.positiveID(of: "case") }

    /// Set on a case handed out to break a run of severe ones (`CaseRotation`).
    static let lighter = HTTPField.Name("Vigil-Lighter-Case")!

    /// The deepest page of a queue in an order other than newest (page further with filters).
    static let maxOffset = 100_000
}

struct CasePage: Encodable {
    let cases: [CaseJSON]
    let nextBefore: Int64?
    let nextOffset: Int?

    enum CodingKeys: String, CodingKey {
        case cases
        case nextBefore = "next_before"
        case nextOffset = "next_offset"
    }
}
