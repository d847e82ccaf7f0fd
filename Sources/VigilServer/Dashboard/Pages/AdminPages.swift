import Cases
import Access
import Foundation
import Hummingbird

/// For admins: the audit log, people (create, change role, disable, new password) and API
/// keys (issue, shown once; revoke).
struct AdminPages {
    let kit: PageKit
    let keys: KeyService
    let audit: any AuditLog
    let users: UserService
    let auditor: Auditor
    /// Reviewers' exposure this shift, for the supervisor's view, and the caps of queues and priorities.
    let media: EvidenceMediaService
    /// The queues cases are in, offered for a cap of their own.
    let cases: CaseService

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("audit") { request, context in
            let query = request.formQuery
            let before = query.get("before").flatMap(Int64.init)
            let filter = AuditFilter(actor: query.get("actor").flatMap { $0.isEmpty ? nil : $0 },
                                     action: query.get("action").flatMap { $0.isEmpty ? nil : $0 })
            let events = try await audit.latestEvents(before: before, limit: 100, filter: filter)
            let data: [String: Any] = [
                "events": events.map { event in
                    ["id": event.id ?? 0, "at": Display.time(event.at), "actor": event.actor, "action": event.action, "target": event.target,
                     "outcome": event.outcome, "failed": event.outcome != "ok", "remote": event.remote ?? ""] as [String: Any]
                },
                "empty": events.isEmpty, "actor": filter.actor ?? "", "action": filter.action ?? "",
                "earlier": events.count == 100 ? ["before": events.last?.id.map(String.init) ?? ""] : false,
            ]
            return kit.page("audit", title: "Audit log", section: "audit", data: data, request, context)
        }
        pages.get("users") { request, context in try await people(request, context) }
        pages.get("keys") { request, context in try await people(request, context) }
        pages.post("users") { request, context in
            let fields = try await kit.form(request)
            var problems: [String: String] = [:]
            let name = fields.text("name") ?? ""
            guard let role = Role(rawValue: fields["role"] ?? "") else {
                return try await people(request, context, problems: ["role": "Choose a role."], form: fields)
            }
            if name.isEmpty { problems["name"] = "Give a user name." }
            let password = fields["password"] ?? ""
            if password.count < UserService.minimumPasswordLength { problems["password"] = "At least \(UserService.minimumPasswordLength) characters." }
            if password != fields["confirm"] { problems["confirm"] = "The two passwords differ." }
            guard problems.isEmpty else { return try await people(request, context, problems: problems, form: fields) }
            do {
                let user = try await auditor.audited(context, "user.create", target: "user:\(name)") {
                    try await users.create(name: name, role: role, password: password)
                }
                return kit.done("/users", notice: "User \(user.name) created as \(user.role.rawValue).", request, context)
            } catch let error as AccessError {
                return try await people(request, context, problems: [error.description.contains("password") ? "password" : "name": error.description], form: fields)
            }
        }
        pages.post("users/{id}") { request, context in
            let id = try context.positiveID(of: "a user")
            let fields = try await kit.form(request)
            let role = fields.text("role").flatMap(Role.init(rawValue:))
            let disabled = fields.text("disabled").map { $0 == "true" }
            let password = fields.text("password")
            do {
                let user = try await auditor.audited(context, "user.update", target: "user:\(id)") {
                    try await users.update(id, role: role, disabled: disabled, password: password)
                }
                return kit.done("/users", notice: "User \(user.name) changed.", request, context)
            } catch let error as AccessError {
                return try await people(request, context, problems: ["user_\(id)": error.description])
            }
        }
        pages.post("keys") { request, context in
            let fields = try await kit.form(request)
            guard let role = Role(rawValue: fields["role"] ?? "") else { return try await people(request, context, problems: ["key_role": "Choose a role."]) }
            do {
                let issued = try await auditor.audited(context, "key.create", target: "role:\(role.rawValue)") {
                    try await keys.issue(role: role, label: fields["label"] ?? "")
                }
                // The secret is shown on this answer only; it is never stored or shown again.
                return try await people(request, context, issued: issued)
            } catch let error as AccessError {
                return try await people(request, context, problems: ["key_label": error.description])
            }
        }
        pages.post("exposure-limits") { request, context in
            let fields = try await kit.form(request)
            var problems: [String: String] = [:]
            let scope: ExposureScope?
            do throws(CaseError) { scope = try Self.scope(fields) } catch {
                scope = nil
                problems["limit_target"] = error.description
            }
            let reveals = Self.number(fields, "reveals", in: ExposureLimit.revealRange, into: &problems)
            let minutes = Self.number(fields, "minutes", in: 1...1440, into: &problems)
            if reveals == nil, minutes == nil, problems.isEmpty { problems["limit_reveals"] = "Give a number of reveals, of minutes, or both." }
            guard let scope, problems.isEmpty else { return try await people(request, context, problems: problems, form: fields) }
            do {
                let saved = try await auditor.audited(context, "exposure.limit", target: "\(scope.kind):\(scope.name)", outcome: { "ok: \($0.words)" }) {
                    try await media.setLimit(scope, reveals: reveals, seconds: minutes.map { $0 * 60 })
                }
                return kit.done("/users#exposure", notice: "Cap for \(scope.capName): \(saved.words).", request, context)
            } catch let error as CaseError {
                let field = error.description.contains("seconds") ? "limit_minutes" : "limit_reveals"
                return try await people(request, context, problems: [field: error.description], form: fields)
            }
        }
        pages.post("exposure-limits/remove") { request, context in
            let fields = try await kit.form(request)
            let scope = try Self.scope(fields)
            try await auditor.audited(context, "exposure.limit_removed", target: "\(scope.kind):\(scope.name)") { try await media.removeLimit(scope) }
            return kit.done("/users#exposure", notice: "Cap for \(scope.capName) removed: the shift's cap still counts them.", request, context)
        }
        pages.post("keys/{id}/revoke") { request, context in
            let id = try context.positiveID(of: "a key")
            do {
                _ = try await auditor.audited(context, "key.revoke", target: "key:\(id)") { try await keys.revoke(id: id) }
            } catch let error as AccessError {
                return try await people(request, context, problems: ["key_\(id)": error.description])
            }
            return kit.done("/keys#keys", notice: "Key \(id) revoked.", request, context)
        }
    }

    /// The cap's scope from a form's `target` (`priority:urgent`, `queue:csam`) or, for a queue
    /// not listed, its `queue` field.
    static func scope(_ fields: FormFields) throws(CaseError) -> ExposureScope {
        let target = fields.text("target") ?? ""
        if target == "queue:", let other = fields.text("queue") { return try ExposureScope.named(kind: "queue", name: other) }
        let parts = target.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw CaseError.invalid("Choose what the cap is for: a priority or a queue.") }
        return try ExposureScope.named(kind: parts[0], name: parts[1])
    }

    /// A whole number in `range` a form field holds, if any; a problem under `limit_<name>` when it is not one.
    static func number(_ fields: FormFields, _ name: String, in range: ClosedRange<Int>, into problems: inout [String: String]) -> Int? {
        guard let text = fields.text(name) else { return nil }
        guard let value = Int(text), value > 0 else {
            problems["limit_\(name)"] = "\(text.prefix(40).debugDescription) is not a whole number above 0."
            return nil
        }
        guard range.contains(value) else {
            problems["limit_\(name)"] = "\(value) is more than \(range.upperBound) (\(name == "minutes" ? "a day" : "the most a cap allows"))."
            return nil
        }
        return value
    }

    func people(_ request: Request, _ context: VigilRequestContext, problems: [String: String] = [:], form: FormFields? = nil,
                issued: IssuedKey? = nil) async throws -> Response {
        let users = try await users.list()
        let keys = try await keys.list()
        let chosen = form?["role"]
        var data: [String: Any] = [
            "users": users.map { user in
                ["id": user.id, "name": user.name, "role": user.role.rawValue, "disabled": user.isDisabled, "lastLogin": Display.time(user.lastLoginAt),
                 "locked": user.lockedUntil.map { $0 > Date() } ?? false, "error": problems["user_\(user.id)"] ?? "",
                 "roles": Role.allCases.map { ["value": $0.rawValue, "selected": $0 == user.role] }] as [String: Any]
            },
            "keys": keys.map { key in
                ["id": key.id, "label": key.label, "role": key.role.rawValue, "prefix": key.prefix, "created": Display.time(key.createdAt),
                 "revoked": key.isRevoked, "error": problems["key_\(key.id)"] ?? ""] as [String: Any]
            },
            "roles": Role.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == chosen] },
            "form": ["name": form?["name"] ?? ""],
            "errors": problems,
        ]
        if let issued { data["issued"] = ["secret": issued.secret, "role": issued.key.role.rawValue, "id": issued.key.id] }
        // What each reviewer has seen this shift: counts and time, never the files.
        let budget = media.budget
        data["exposure"] = try await media.exposures().map { seen in
            ["actor": seen.actor, "reveals": seen.reveals, "minutes": ExposureUse.duration(seen.secondsSeen), "left": seen.shift.left,
             "near": seen.nearLimit, "limit": seen.atLimit,
             "caps": seen.scoped.filter { $0.reveals > 0 }.map { use in
                 ["words": "\(use.limit.scope.words): \(use.reveals) revealed, \(ExposureUse.duration(use.seconds)); \(use.left) left",
                  "limit": use.atLimit] as [String: Any]
             }] as [String: Any]
        }
        data["exposureRule"] = "\(budget.shiftLimit.words), in a rolling \(budget.shiftHours) h shift; each reveal clear for at most \(budget.revealSeconds) s"
        let limits = try await media.limits()
        data["limits"] = limits.map { ["for": $0.scope.capName, "words": $0.words,
                                       "target": "\($0.scope.kind):\($0.scope.name)"] }
        let queues = Set(try await cases.queueHealth().map(\.queue)).sorted()
        let target = form?["target"]
        let priorities: [(value: String, label: String)] = Priority.allCases.reversed().map { ("priority:\($0.rawValue)", "\($0.rawValue) cases") }
        let named: [(value: String, label: String)] = queues.map { ("queue:\($0)", "the queue \($0)") }
        data["limitTargets"] = (priorities + named).map { option -> [String: Any] in
            ["value": option.value, "label": option.label, "selected": option.value == target]
        }
        data["limitForm"] = ["queue": form?["queue"] ?? "", "reveals": form?["reveals"] ?? "", "minutes": form?["minutes"] ?? "",
                             "other": target == "queue:"] as [String: Any]
        return kit.page("users", title: "Users and keys", section: "users", data: data, status: problems.isEmpty ? .ok : .unprocessableContent,
                        request, context)
    }
}
