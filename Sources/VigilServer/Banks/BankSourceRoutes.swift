import BankImport
import Banks
import Foundation
import Hummingbird
import Integrations

/// `/v1/banks/{name}/source` and `/v1/banks/{name}/sync`: a bank that follows a list (NCMEC's hash
/// sharing, or another Vigil's bank) with a stored credential, synced on its schedule and on demand. Setting a source
/// names a credential, so it is for admins; anyone who may edit banks may ask for a sync now.
/// `/v1/banks/{name}/changes` is the other side: the export another Vigil follows.
struct BankSourceRoutes {
    let credentials: CredentialService
    let bankSync: BankSyncService
    let auditor: Auditor
    let banks: BankService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        // The export another Vigil follows: every entry first, then changes by sequence.
        routes.get("banks/{name}/changes") { request, context in
            let bank = try await banks.bank(named: try context.parameters.require("name"))
            let after = try request.queryInteger("after", default: 0, in: 0...Int.max)
            let snapshot = try request.query("snapshot").map { _ in try request.queryInteger("snapshot", default: 0, in: 0...Int.max) }
            let afterEntry = try request.query("after_entry").map { _ in try request.queryInteger("after_entry", default: 0, in: 0...Int.max) }
            let limit = try request.queryInteger("limit", default: 1000, in: 1...10_000)
            let cursor = BankChangesPage.Cursor(after: Int64(after), snapshot: snapshot.map(Int64.init), afterEntry: afterEntry.map(Int64.init))
            return try JSONText.response(BankChangesJSON(try await banks.changes(of: bank, from: cursor, limit: limit), bank: bank))
        }
        routes.get("banks/{name}/source") { _, context in
            let name = try context.parameters.require("name")
            return try JSONText.response(BankSourceJSON(bank: name, try await bankSync.source(bank: name)))
        }
        routes.put("banks/{name}/source") { request, context in
            let name = try context.parameters.require("name")
            let body = try JSONInput.decode(BankSourceBody.self, from: try await request.collectBody(limit: 16 * 1024))
            let kind = try (body.kind ?? "ncmec").flatMapKind()
            guard let credentialID = body.credential, !credentialID.isEmpty else {
                throw APIError.badRequest("credential is required: the id of an \(kind.integration) credential", code: "invalid_source")
            }
            let source = try await auditor.audited(context, "bank.source.set", target: "bank:\(name)") {
                let credential = try await credentials.find(credentialID)
                guard credential.integration == kind.integration else {
                    throw APIError.badRequest("credential \(credentialID) is for \(credential.integration), not \(kind.integration)", code: "invalid_source")
                }
                var options: [String: String] = [:]
                if let remote = body.remoteBank { options["bank"] = remote }
                if let reason = body.feedbackReason { options["feedback_reason"] = reason }
                return try await bankSync.setSource(bank: name, kind: kind, credentialID: credentialID,
                                                            interval: TimeInterval(body.intervalSeconds ?? Int(BankSource.defaultInterval)),
                                                            options: options, sendsFeedback: body.sendFeedback ?? false)
            }
            return try JSONText.response(BankSourceJSON(bank: name, source))
        }
        // What reviewers' decisions sent back to the bank's list: each vote, its state and why.
        routes.get("banks/{name}/votes") { request, context in
            let name = try context.parameters.require("name")
            let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
            return try JSONText.response(["votes": try await bankSync.votes(bank: name, limit: limit).map(ListVoteJSON.init)])
        }
        // The failed votes sent again, once what refused them is put right (an admin's act: audited).
        routes.post("banks/{name}/votes/retry") { _, context in
            let name = try context.parameters.require("name")
            let jobs = try await auditor.audited(context, "bank.votes_retry", target: "bank:\(name)", outcome: { "ok: \($0) decisions queued" }) {
                try await bankSync.retryVotes(bank: name)
            }
            return try JSONText.response(["queued_decisions": jobs], status: .accepted)
        }
        routes.delete("banks/{name}/source") { _, context in
            let name = try context.parameters.require("name")
            try await auditor.audited(context, "bank.source.remove", target: "bank:\(name)") {
                try await bankSync.removeSource(bank: name)
            }
            return Response(status: .noContent)
        }
        routes.post("banks/{name}/sync") { _, context in
            let name = try context.parameters.require("name")
            let job = try await auditor.audited(context, "bank.sync", target: "bank:\(name)") {
                try await bankSync.requestSync(bank: name)
            }
            var response = try JSONText.response(JobJSON(job), status: .accepted)
            response.headers[.location] = "/v1/jobs/\(job.id)"
            return response
        }
    }
}

private extension String {
    func flatMapKind() throws -> BankSource.Kind {
        guard let kind = BankSource.Kind(rawValue: self) else {
            throw APIError.badRequest("kind must be one of \(BankSource.Kind.allCases.map(\.rawValue).joined(separator: ", "))", code: "invalid_source")
        }
        return kind
    }
}
