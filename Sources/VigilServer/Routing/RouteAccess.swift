public import Access

/// Every route's permission, written once as data: "METHOD /pattern" → permission. Which roles
/// hold a permission is `AccessPolicy.matrix`; together they are the route × role matrix that
/// `Authorize` enforces and the README documents. A test checks that every route the router
/// has is here and that nothing here is not a route.
public enum RouteAccess {
    /// Looked up on every request: by path, then method, with no string built for the key.
    public static func permission(method: String, path: String) -> Permission? { byPath[path]?[method] }

    private static let byPath: [String: [String: Permission]] = {
        var table: [String: [String: Permission]] = [:]
        for (route, permission) in rules {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            table[parts[1], default: [:]][parts[0]] = permission
        }
        return table
    }()

    public static let rules: [String: Permission] = {
        var rules: [String: Permission] = [:]
        func add(_ permission: Permission, _ routes: [String]) {
            for route in routes {
                precondition(rules[route] == nil, "\(route) has two access rules")
                rules[route] = permission
            }
        }
        add(.open, ["GET /status", "GET /status/live", "GET /status/ready", "GET /openapi.json"])
        add(.metrics, ["GET /metrics"])
        add(.lookup, [
            "POST /v1/hash", "POST /v1/match", "POST /photodna/v1.0/Match",
            "GET /h/hash", "POST /h/hash", "GET /m/lookup", "POST /m/lookup", "GET /m/raw_lookup", "POST /m/compare", "GET /m/index/status",
        ])
        add(.readBanks, [
            "GET /v1/banks", "GET /v1/banks/{name}", "GET /v1/banks/{name}/entries", "GET /v1/banks/{name}/entries/{id}",
            "GET /v1/banks/{name}/export", "GET /v1/banks/{name}/source", "GET /v1/banks/{name}/changes",
            // A following Vigil's key reads the changes and sends its reviewers' votes back.
            "POST /v1/banks/{name}/entries/{id}/votes",
            "GET /c/banks", "GET /c/bank/{name}", "GET /c/bank/{name}/content/{id}",
            "GET /c/exchanges", "GET /c/exchanges/apis", "GET /c/exchanges/api/{api}", "GET /c/exchanges/api/{api}/schema",
            "GET /c/exchange/{name}", "GET /c/exchange/{name}/status",
            "GET /v1/integrations", "GET /v1/integrations/{id}", "GET /v1/jobs", "GET /v1/jobs/{id}",
        ])
        add(.writeBanks, [
            "POST /v1/banks", "PATCH /v1/banks/{name}", "DELETE /v1/banks/{name}", "POST /v1/banks/{name}/entries",
            "PATCH /v1/banks/{name}/entries/{id}", "DELETE /v1/banks/{name}/entries/{id}", "POST /v1/banks/{name}/entries/{id}/restore", "POST /v1/banks/{name}/import",
            "POST /v1/banks/{name}/sync", "POST /v1/jobs/{id}/cancel",
            "POST /c/banks", "PUT /c/bank/{name}", "DELETE /c/bank/{name}", "POST /c/bank/{name}/content",
            "PUT /c/bank/{name}/content/{id}", "DELETE /c/bank/{name}/content/{id}", "POST /c/bank/{name}/signal",
            "PUT /c/exchange/{name}", "DELETE /c/exchange/{name}",
        ])
        add(.administer, [
            "GET /v1/keys", "POST /v1/keys", "DELETE /v1/keys/{id}", "GET /v1/audit",
            "PUT /v1/banks/{name}/source", "DELETE /v1/banks/{name}/source", "POST /v1/banks/{name}/votes/retry",
            // An exchange sends a stored credential where its config says: as PUT …/source does.
            "POST /c/exchanges",
        ])
        add(.manageCredentials, [
            "GET /v1/credentials", "POST /v1/credentials", "GET /v1/credentials/{id}", "PATCH /v1/credentials/{id}",
            "DELETE /v1/credentials/{id}", "POST /v1/credentials/{id}/test", "POST /c/exchanges/api/{api}",
        ])
        add(.readWorkflows, [
            "GET /v1/workflow-actions", "GET /v1/workflows", "GET /v1/workflows/{id}", "GET /v1/workflows/{id}/versions",
            "GET /v1/workflows/{id}/versions/{version}", "GET /v1/workflows/{id}/runs", "GET /v1/workflow-runs", "GET /v1/workflow-runs/{run}",
        ])
        add(.writeWorkflows, [
            "POST /v1/workflows", "POST /v1/workflows/validate", "PUT /v1/workflows/{id}", "DELETE /v1/workflows/{id}",
            "POST /v1/workflows/{id}/publish", "POST /v1/workflows/{id}/versions/{version}/publish", "POST /v1/workflows/{id}/runs",
            "POST /v1/workflow-runs/{run}/cancel", "POST /v1/workflow-runs/{run}/rerun",
        ])
        add(.readCases, [
            "GET /v1/cases", "GET /v1/cases/{id}", "GET /v1/case-queues", "GET /v1/case-templates", "GET /v1/case-templates/{name}",
            "GET /v1/accounts", "GET /v1/accounts/{id}", "GET /v1/media/{sha256}", "GET /v1/media/{sha256}/preview",
            // Votes name the cases that cast them and their verdicts.
            "GET /v1/banks/{name}/votes",
        ])
        add(.reviewCases, [
            "POST /v1/cases", "POST /v1/cases/{id}/decisions", "POST /v1/case-decisions", "POST /v1/case-assignments", "POST /v1/cases/{id}/evidence", "POST /v1/cases/{id}/comments", "POST /v1/cases/{id}/accounts",
            "POST /v1/accounts", "PATCH /v1/accounts/{id}", "POST /v1/accounts/{id}/block", "POST /v1/accounts/{id}/unblock",
        ])
        add(.administer, ["PUT /v1/case-templates/{name}", "PUT /v1/case-queues/{name}"])
        add(.revealEvidence, ["POST /v1/media/{sha256}/reveal", "GET /v1/exposure", "POST /v1/reveals/{id}/end", "GET /v1/exposure-limits"])
        add(.administer, ["GET /v1/exposures", "PUT /v1/exposure-limits/{scope}/{name}", "DELETE /v1/exposure-limits/{scope}/{name}"])
        add(.administer, ["GET /v1/screened-signals", "DELETE /v1/screened-signals"])
        add(.preserveEvidence, ["POST /v1/media/{sha256}/hold"])
        add(.readEvents, ["GET /v1/events", "GET /v1/events/stream"])
        add(.readReports, ["GET /v1/reports", "GET /v1/reports/{id}", "GET /v1/reports/{id}/xml", "GET /v1/report-settings"])
        add(.draftReports, ["POST /v1/cases/{id}/reports", "PATCH /v1/reports/{id}"])
        add(.approveReports, ["POST /v1/reports/{id}/approve", "POST /v1/reports/{id}/retract", "POST /v1/reports/{id}/retry"])
        add(.administer, ["PUT /v1/report-settings"])
        add(.manageWebhooks, [
            "GET /v1/webhooks", "POST /v1/webhooks", "GET /v1/webhooks/{id}", "PATCH /v1/webhooks/{id}", "DELETE /v1/webhooks/{id}",
            "GET /v1/webhooks/{id}/deliveries", "POST /v1/webhooks/{id}/deliveries/{delivery}/redeliver",
        ])
        return rules
    }()
}
