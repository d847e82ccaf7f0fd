import Banks
import Foundation
import Hummingbird
import Integrations

/// `/v1/banks/{name}/source` and `/v1/banks/{name}/sync`: a bank that follows a hash-sharing list
/// (NCMEC's) with a stored credential, synced on its schedule and on demand. Setting a source
/// names a credential, so it is for admins; anyone who may edit banks may ask for a sync now.
struct BankSourceRoutes {
    let service: VigilService

    func register(reads: RouterGroup<VigilRequestContext>, writes: RouterGroup<VigilRequestContext>, admin: RouterGroup<VigilRequestContext>) {
        reads.get("banks/{name}/source") { _, context in
            let name = try context.parameters.require("name")
            return try JSONText.response(BankSourceJSON(bank: name, try await service.bankSync.source(bank: name)))
        }
        admin.put("banks/{name}/source") { request, context in
            let name = try context.parameters.require("name")
            let body = try JSONInput.decode(BankSourceBody.self, from: try await request.collectBody(limit: 16 * 1024))
            let kind = try (body.kind ?? "ncmec").flatMapKind()
            guard let credentialID = body.credential, !credentialID.isEmpty else {
                throw APIError.badRequest("credential is required: the id of an ncmec_hash_sharing credential", code: "invalid_source")
            }
            let source = try await service.audited(context, "bank.source.set", target: "bank:\(name)") {
                let credential = try await service.credentials.find(credentialID)
                guard credential.integration == "ncmec_hash_sharing" else {
                    throw APIError.badRequest("credential \(credentialID) is for \(credential.integration), not ncmec_hash_sharing", code: "invalid_source")
                }
                return try await service.bankSync.setSource(bank: name, kind: kind, credentialID: credentialID,
                                                            interval: TimeInterval(body.intervalSeconds ?? Int(BankSource.defaultInterval)))
            }
            return try JSONText.response(BankSourceJSON(bank: name, source))
        }
        admin.delete("banks/{name}/source") { _, context in
            let name = try context.parameters.require("name")
            try await service.audited(context, "bank.source.remove", target: "bank:\(name)") {
                try await service.bankSync.removeSource(bank: name)
            }
            return Response(status: .noContent)
        }
        writes.post("banks/{name}/sync") { _, context in
            let name = try context.parameters.require("name")
            let job = try await service.audited(context, "bank.sync", target: "bank:\(name)") {
                try await service.bankSync.requestSync(bank: name)
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
