import Foundation
import Hummingbird
import Screening

/// What lookups screened (issue 31 §1): how much is kept, and an account's signals deleted on its
/// request (audited). Admins only: the signals are the platform's users' uploads, by account.
struct ScreeningRoutes {
    let screening: ScreeningService
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("screened-signals") { _, _ in
            try JSONText.response(ScreenedSummaryJSON(retentionDays: screening.retentionDays, kept: try await screening.count()))
        }
        routes.delete("screened-signals") { request, context in
            guard let account = request.query("account_reference_id") else {
                throw APIError.badRequest("account_reference_id is required: the account whose screened signals to delete", code: "missing_field")
            }
            // Pending signals are written first, so none of the account's escapes the delete.
            try await screening.flush()
            let deleted = try await auditor.audited(context, "screened.delete", target: "account:\(account)", outcome: { (count: Int) in "ok: \(count) deleted" }) { () async throws -> Int in
                do { return try await screening.delete(accountReference: account) } catch let error as ScreeningError {
                    throw APIError.badRequest(error.description)
                }
            }
            return try JSONText.response(["deleted": deleted])
        }
    }
}

struct ScreenedSummaryJSON: Encodable {
    let retentionDays: Int
    let kept: Int

    enum CodingKeys: String, CodingKey {
        case retentionDays = "retention_days", kept
    }
}
