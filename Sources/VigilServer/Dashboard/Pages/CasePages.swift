import Basics
import Access
import Banks
import Cases
import Foundation
import Hummingbird
import NIOCore
import Reports

/// The case queue and a case: evidence as blurred greyscale previews with a recorded reveal,
/// the timeline, comments, decisions, and the NCMEC report panel.
struct CasePages {
    let kit: PageKit
    let cases: CaseService
    let accounts: AccountService
    /// Whom a case can be assigned to: the people who may review cases.
    let users: UserService
    let media: EvidenceMediaService
    let reports: ReportService
    let review: CaseReview
    let auditor: Auditor
    let banks: BankService

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("cases") { request, context in try await queue(request, context) }
        pages.get("cases/{id}") { request, context in
            let id = try context.positiveID(of: "a case")
            if request.uri.queryParameters.get("fragment") == "report" {
                return try await reportFragment(id, request, context)
            }
            // A person who may review opening the case starts its review ("in review" on the queue).
            if context.role?.may(.reviewCases) == true, context.actor.hasPrefix("user:") {
                _ = try await cases.startReview(id, actor: context.actor)
            }
            // A file this person revealed for the case moments ago is shown clearly, without a new reveal.
            var revealed: [String: String] = [:]
            var reblur: Int?
            if let sha = request.uri.queryParameters.get("shown")?.lowercased(), Hex.isDigits(sha, count: 64), context.role?.may(.revealEvidence) == true,
               let shown = try await media.stillRevealed(sha, caseID: id, actor: context.actor) {
                revealed[sha] = "data:\(shown.media.contentType);base64,\(Data(shown.bytes).base64EncodedString())"
                reblur = shown.secondsLeft
            }
            return try await detail(id, request, context, revealed: revealed, reblurSeconds: reblur)
        }
        pages.post("cases/{id}/evidence/{sha256}/reveal") { request, context in
            let id = try context.positiveID(of: "a case")
            let sha = try EvidenceRoutes.sha(context)
            let detail = try await cases.detail(id)
            guard detail.evidence.contains(where: { $0.mediaSHA256 == sha }) else {
                throw APIError(.notFound, "not_found", "case \(id) holds no file \(sha)")
            }
            let revealed: (media: StoredMedia, bytes: [UInt8], exposure: Exposure, reveal: MediaReveal)
            do {
                revealed = try await auditor.audited(context, "evidence.reveal", target: "media:\(sha)", outcome: {
                    "ok: \($0.exposure.summary(queues: $0.reveal.queues, priority: $0.reveal.priority))"
                }) {
                    try await media.reveal(sha, caseID: id, actor: context.actor, remote: context.remoteAddress?.value)
                }
            } catch CaseError.exposureLimit {
                // At a cap: no image; the case page (a GET) says which cap and offers work that needs none.
                return kit.done("/cases/\(id)", notice: "Not revealed: a cap on what you see this shift is reached.", request, context)
            }
            // Post/redirect/get: the page that shows the file is a GET, so a reload or Back never
            // reveals it again; it shows the file while this reveal is fresh (`stillRevealed`).
            let seen = revealed.exposure
            let summary = seen.summary(queues: [detail.case.queue], priority: detail.case.priority)
            let note = seen.warning(queues: [detail.case.queue], priority: detail.case.priority) != nil
                ? "Revealed: \(summary). Near a cap: take a break from images soon." : "Revealed: \(summary)."
            let evidence = detail.evidence.first { $0.mediaSHA256 == sha }.map { "#evidence-\($0.id)" } ?? ""
            return kit.done("/cases/\(id)?shown=\(sha)\(evidence)", notice: note, request, context)
        }
        pages.post("cases/{id}/evidence/{sha256}/hide") { request, context in
            // "Hide" (or the page leaving): the reveal's time is measured up to now.
            let id = try context.positiveID(of: "a case")
            let sha = try EvidenceRoutes.sha(context)
            let detail = try await cases.detail(id)
            guard let cited = detail.evidence.first(where: { $0.mediaSHA256 == sha }) else {
                throw APIError(.notFound, "not_found", "case \(id) holds no file \(sha)")
            }
            let hidden = try await auditor.audited(context, "evidence.hide", target: "media:\(sha)",
                                                   outcome: { $0.map { "ok: clear for \($0.seconds) s" } ?? "ok: already blurred" }) {
                try await media.hide(sha, caseID: id, actor: context.actor)
            }
            // The page leaving sends a beacon: nothing follows it, so no page and no notice.
            if try await kit.form(request)["beacon"] == "1" { return Response(status: .noContent) }
            let evidence = "#evidence-\(cited.id)"
            let note = hidden.map { "Hidden: clear for \(ExposureUse.duration($0.seconds))." } ?? "Already blurred again."
            return kit.done("/cases/\(id)\(evidence)", notice: note, request, context)
        }
        pages.get("media/{sha256}/preview") { _, context in
            EvidenceRoutes.image(try await media.preview(try EvidenceRoutes.sha(context)), type: "image/jpeg")
        }
        pages.post("cases/{id}/decisions") { request, context in
            let id = try context.positiveID(of: "a case")
            let fields = try await kit.form(request)
            let decision: CaseDecision
            switch fields["decision"] ?? "" {
            case "confirm": decision = .confirm(addToBank: fields.text("bank"))
            case "false_positive": decision = .falsePositive(addToAllowBank: fields.text("bank"))
            case "escalate": decision = .escalate
            case "assign":
                // Assigned to a person who may review cases, chosen from the list: never a typo.
                let assignee = fields.text("assignee")
                if let assignee, !(try await reviewers()).contains(assignee) {
                    return try await detail(id, request, context, problems: ["assignee": "\(assignee) is not a person who may review cases."])
                }
                decision = .assign(assignee)
            case "reopen": decision = .reopen
            case "set_priority":
                guard let priority = fields.text("priority").flatMap(Priority.init(rawValue:)) else {
                    return try await detail(id, request, context, problems: ["priority": "Choose a priority."])
                }
                decision = .setPriority(priority)
            default: return try await detail(id, request, context, problems: ["decision": "Choose a decision."])
            }
            guard let version = fields.text("version").flatMap(Int.init) else {
                return try await detail(id, request, context, problems: ["decision": "The form did not say which version of the case you decided on: reload the page."])
            }
            do {
                _ = try await review.decide(id, DecisionRequest(decision: decision, expectedVersion: version,
                                                                        note: fields.text("note"), actor: context.actor))
            } catch let error as CaseError {
                return try await detail(id, request, context, problems: ["decision": error.description], status: APIError.from(error)?.status ?? .badRequest)
            }
            return kit.done("/cases/\(id)", notice: "Decision recorded: \(Display.words(decision.name)).", request, context)
        }
        pages.post("cases/bulk") { request, context in
            let fields = try await kit.form(request)
            let back = Self.queuePath(fields.text("back"))
            var targets: [CaseAtVersion] = []
            for value in fields.all("case") {
                let parts = value.split(separator: ":")
                guard parts.count == 2, let id = Int64(parts[0]), id > 0, let version = Int(parts[1]) else {
                    return kit.done(back, notice: "The form named a case the queue did not show: reload the queue and choose again.", request, context)
                }
                targets.append(CaseAtVersion(id: id, version: version))
            }
            guard !targets.isEmpty else { return kit.done(back, notice: "Choose the cases first: tick them in the queue.", request, context) }
            let decision: CaseDecision
            switch fields.text("action") ?? "" {
            case "assign":
                guard let assignee = fields.text("assignee") else {
                    return kit.done(back, notice: "Choose the person to assign the cases to: nothing was changed.", request, context)
                }
                guard try await reviewers().contains(assignee) else {
                    return kit.done(back, notice: "\(assignee) is not a person who may review cases: nothing was changed.", request, context)
                }
                decision = .assign(assignee)
            case "unassign": decision = .assign(nil)
            case "escalate": decision = .escalate
            case "set_priority":
                guard let priority = fields.text("priority").flatMap(Priority.init(rawValue:)) else {
                    return kit.done(back, notice: "Choose the priority to set: nothing was changed.", request, context)
                }
                decision = .setPriority(priority)
            case "confirm": decision = .confirm(addToBank: nil)
            case "false_positive": decision = .falsePositive(addToAllowBank: nil)
            default: return kit.done(back, notice: "Choose what to do with the chosen cases: nothing was changed.", request, context)
            }
            let outcomes: [BulkDecisionOutcome]
            do {
                outcomes = try await auditor.audited(context, "case.bulk_decision", target: "cases:" + targets.map { String($0.id) }.joined(separator: ","),
                                                     outcome: { "ok: " + Self.bulkSummary($0, decision) }) {
                    try await review.decideEach(targets, decision, note: fields.text("note"), actor: context.actor)
                }
            } catch let error as CaseError {
                return kit.done(back, notice: "Nothing was changed: \(error.description).", request, context)
            }
            return kit.done(back, notice: Self.bulkSummary(outcomes, decision), request, context)
        }
        pages.post("cases/take") { request, context in
            let fields = try await kit.form(request)
            let back = Self.queuePath(fields.text("back"))
            guard let person = context.user else {
                return kit.done(back, notice: "A session opened with an API key has no name to assign cases to: sign in as a person.", request, context)
            }
            guard let taken = try await cases.takeNext(assignee: person.name, actor: context.actor, queue: fields.text("queue")) else {
                return kit.done(back, notice: "Nothing is waiting\(fields.text("queue").map { " in \($0)" } ?? ""): every open case has someone.", request, context)
            }
            let note = taken.lighter ? "Case #\(taken.case.id) is yours: a lighter one, after a run of severe cases." : "Case #\(taken.case.id) is yours."
            return kit.done("/cases/\(taken.case.id)", notice: note, request, context)
        }
        pages.post("cases/queue-sla") { request, context in
            let fields = try await kit.form(request)
            guard let queue = fields.text("queue") else { return kit.done("/cases#sla", notice: "Choose a queue.", request, context) }
            let text = fields.text("minutes")
            let minutes: Int?
            if let text {
                guard let value = Int(text) else {
                    return kit.done("/cases#sla", notice: "The SLA of \(queue) is a whole number of minutes, not \"\(text.prefix(20))\": nothing was changed.", request, context)
                }
                minutes = value
            } else {
                minutes = nil
            }
            do {
                _ = try await auditor.audited(context, "case_queue.sla", target: "queue:\(queue)", outcome: { $0.map { "ok: \($0.minutes) min" } ?? "ok: no target" }) {
                    try await cases.setQueueSLA(queue: queue, minutes: minutes)
                }
            } catch let error as CaseError {
                return kit.done("/cases#sla", notice: "The SLA of \(queue) was not changed: \(error.description).", request, context)
            }
            return kit.done("/cases#sla", notice: minutes.map { "\(queue): cases are due within \(Display.duration(Double($0) * 60))." } ?? "\(queue) has no SLA target now.",
                            request, context)
        }
        pages.post("cases/{id}/comments") { request, context in
            let id = try context.positiveID(of: "a case")
            let fields = try await kit.form(request)
            guard let text = fields.text("text") else { return try await detail(id, request, context, problems: ["comment": "Write a comment first."]) }
            do {
                _ = try await cases.comment(id, text: text, actor: context.actor)
            } catch let error as CaseError {
                return try await detail(id, request, context, problems: ["comment": error.description], status: .unprocessableContent)
            }
            return kit.done("/cases/\(id)#timeline", notice: "Comment added.", request, context)
        }
    }

    // MARK: the queue

    func queue(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let query = request.formQuery
        let status = query.get("status") ?? "open"
        let priority = query.get("priority").flatMap { $0.isEmpty ? nil : Priority(rawValue: $0) }
        let assignee = query.get("assignee").flatMap { $0.isEmpty ? nil : $0 }
        let queueName = query.get("queue").flatMap { $0.isEmpty ? nil : $0 }
        // Control characters are no part of a search (and PostgreSQL refuses a NUL in text).
        let search = query.get("q").map { String(ControlCharacters.removed(from: $0).prefix(200)) } ?? ""
        let sort = query.get("sort").flatMap(CaseSort.init(rawValue:)) ?? .newest
        let page = max(0, min(query.get("page").flatMap(Int.init) ?? 0, Self.lastPage))
        let templates = try await templatesByName()
        let statuses = templates.values.flatMap { $0.statuses.map(\.name) }
        var filter = CaseFilter(statuses: status == "open" || status == "all" || status.isEmpty ? nil : [status],
                                priorities: priority.map { [$0] }, assignee: assignee == "none" ? nil : assignee,
                                unassigned: assignee == "none", queue: queueName, openOnly: status == "open", search: CaseSearch(search),
                                sort: sort, limit: 100)
        if sort == .newest { filter.before = query.get("before").flatMap(Int64.init) } else { filter.offset = page * filter.limit }
        let cases = try await cases.list(filter)
        let facts = try await self.cases.queueFacts(cases)
        let queues = try await self.cases.queueHealth()
        // Every queue with a target is in the health list (with open cases or not): its targets.
        let slas = Dictionary(queues.compactMap { count in count.sla.map { (count.queue, $0) } }, uniquingKeysWith: { first, _ in first })
        let reviewers = try await reviewers()
        let now = self.cases.now
        let rows = cases.map { item in Self.row(item, templates: templates, facts: facts[item.id], sla: slas[item.queue], now: now) }
        let filterQuery = Self.query(["q": search, "status": status, "priority": priority?.rawValue, "queue": queueName, "assignee": assignee,
                                      "sort": sort == .newest ? nil : sort.rawValue])
        var more: Any = false
        if cases.count == filter.limit, page < Self.lastPage {
            more = sort == .newest ? ["href": "/cases?" + Self.query(["before": cases.last.map { String($0.id) }], after: filterQuery)]
                                   : ["href": "/cases?" + Self.query(["page": String(page + 1)], after: filterQuery)]
        }
        let data: [String: Any] = [
            "cases": rows,
            "empty": cases.isEmpty,
            "search": search,
            "statusOptions": (["open", "all"] + Array(Set(statuses)).sorted()).map { ["value": $0, "label": Display.words($0), "selected": $0 == status] },
            "priorityOptions": Priority.allCases.map { ["value": $0.rawValue, "selected": $0 == priority] },
            "queueOptions": queues.map { ["value": $0.queue, "selected": $0.queue == queueName, "open": $0.open] },
            // The people who may review, and whoever else the cases shown are assigned to (an API
            // client may assign to any name): each can be filtered by.
            "assigneeOptions": ((reviewers + cases.compactMap(\.assignee).sorted() + [assignee].compactMap { $0 == "none" ? nil : $0 })
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
                .map { ["name": $0, "selected": $0 == assignee] },
            "unassignedSelected": assignee == "none",
            "sortOptions": [("newest", "newest first"), ("oldest", "longest waiting first"), ("priority", "most urgent first"),
                            ("updated", "recently changed first")].map { ["value": $0.0, "label": $0.1, "selected": $0.0 == sort.rawValue] },
            // New cases arriving live are added only when they fit these (never to a search, another
            // order or an older page, where a new case would not sit at the top).
            "filter": ["status": status, "priority": priority?.rawValue ?? "", "queue": queueName ?? "", "assignee": assignee ?? "",
                       "paged": filter.before != nil || page > 0 || !search.isEmpty || sort != .newest],
            "more": more,
            // A bulk decision leads back to this very page of the queue.
            "back": Self.query(["before": sort == .newest ? filter.before.map { String($0) } : nil, "page": page > 0 ? String(page) : nil], after: filterQuery),
            // Breaches of the queue shown, or of every queue.
            "breaches": Self.breachText(queues.filter { queueName == nil || $0.queue == queueName }.reduce(0) { $0 + $1.breaches }) ?? false,
            "mayReview": context.role?.may(.reviewCases) == true,
            "reviewers": reviewers.map { ["name": $0] },
            "bulkPriorities": Priority.allCases.map { ["value": $0.rawValue] },
            "bulkLimit": CaseReview.bulkLimit,
            "sla": context.role?.may(.administer) == true && !(queues.isEmpty && slas.isEmpty) ? ["rows": Self.slaRows(queues, slas)] : false,
        ]
        return kit.page("cases", title: "Cases", section: "cases", data: data, request, context)
    }

    /// Where a bulk decision leads back to: the queue as it was filtered. Only the queue's own
    /// filters are carried over, encoded afresh: never another path or site.
    static func queuePath(_ query: String?) -> String {
        let names: Set = ["q", "status", "priority", "queue", "assignee", "sort", "page", "before"]
        let items = URLComponents(string: "/cases?" + (query ?? ""))?.queryItems?.filter { names.contains($0.name) } ?? []
        let text = items.compactMap { item in
            item.value.flatMap { value in
                value.isEmpty ? nil : "\(item.name)=\(value.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters) ?? "")"
            }
        }.joined(separator: "&")
        return text.isEmpty ? "/cases" : "/cases?" + text
    }

    static let queryValueCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// How many open cases are past their SLA, in words; nil when none is.
    static func breachText(_ count: Int) -> String? {
        count == 0 ? nil : "\(count) open case\(count == 1 ? " is" : "s are") past the queue's SLA: order by longest waiting to take them first."
    }

    /// What a bulk decision did, in a sentence: how many cases took it, and which did not.
    static func bulkSummary(_ outcomes: [BulkDecisionOutcome], _ decision: CaseDecision) -> String {
        let refused = outcomes.compactMap { if case let .refused(id, reason) = $0 { (id, reason) } else { nil } }
        let decided = outcomes.count - refused.count
        let done = switch decision {
        case let .assign(name?): "Assigned to \(name)"
        case .assign(nil): "Unassigned"
        case .escalate: "Escalated"
        case let .setPriority(priority): "Priority set to \(priority.rawValue)"
        case .confirm: "Resolved as confirmed"
        case .falsePositive: "Resolved as false positive"
        case let .setStatus(status): "Moved to \(Display.words(status))"
        case .reopen: "Reopened"
        }
        var text = "\(done): \(decided) of \(outcomes.count) case\(outcomes.count == 1 ? "" : "s")."
        if !refused.isEmpty {
            // The notice travels in a cookie of 300 characters: the first few with their reasons.
            let named = refused.prefix(3).map { "#\($0.0) \($0.1.prefix(70))" }.joined(separator: "; ")
            text += " Not changed: \(named)" + (refused.count > 3 ? "; and \(refused.count - 3) more (" + refused.dropFirst(3).prefix(10).map { "#\($0.0)" }.joined(separator: ", ") + ")." : ".")
        }
        return text
    }

    /// Query text from the values that are set, in a fixed order (`after` last, as it was).
    /// The deepest page of the queue in an order other than newest (filter to go further).
    static let lastPage = 1000

    static func query(_ values: KeyValuePairs<String, String?>, after: String = "") -> String {
        let own = values.compactMap { key, value in
            value.flatMap { $0.isEmpty ? nil : "\(key)=\($0.addingPercentEncoding(withAllowedCharacters: queryValueCharacters) ?? "")" }
        }.joined(separator: "&")
        return [own, after].filter { !$0.isEmpty }.joined(separator: "&")
    }

    /// Each queue (with open cases or a target) and its SLA target, for admins to set.
    static func slaRows(_ queues: [QueueCount], _ slas: [String: QueueSLA]) -> [[String: Any]] {
        Set(queues.map(\.queue)).union(slas.keys).sorted().map { queue in
            ["queue": queue, "minutes": slas[queue].map { String($0.minutes) } ?? "",
             "open": queues.first { $0.queue == queue }?.open ?? 0, "breaches": queues.first { $0.queue == queue }?.breaches ?? 0]
        }
    }

    static func row(_ item: Case, templates: [String: CaseTemplate] = [:], facts: CaseQueueFacts? = nil, sla: QueueSLA? = nil,
                    now: Date = Date()) -> [String: Any] {
        var row: [String: Any] = [
            "id": item.id, "title": item.title, "status": Display.words(item.status), "statusClass": statusClass(item, templates[item.template]),
            "priority": item.priority.rawValue, "urgent": item.priority >= .high, "queue": item.queue, "assignee": item.assignee ?? "—",
            "evidence": item.evidenceCount, "created": Display.time(item.createdAt), "version": item.version,
            "accounts": facts?.accountReferences.joined(separator: ", ") ?? "",
            "match": facts?.closestMatch.map(Self.matchText) ?? "—",
            "files": item.evidenceCount == 1 ? "1 match" : "\(item.evidenceCount) matches",
        ]
        if item.isFinal {
            row["waiting"] = item.resolvedAt.map { "resolved after \(Display.duration($0.timeIntervalSince(item.createdAt)))" } ?? "resolved"
        } else {
            let waited = now.timeIntervalSince(item.createdAt)
            row["waiting"] = Display.duration(max(0, waited))
            if let sla {
                let due = sla.due(opened: item.createdAt).timeIntervalSince(now)
                if sla.isBreached(opened: item.createdAt, now: now) {
                    row["breach"] = "over the \(Display.duration(Double(sla.minutes) * 60)) SLA by \(Display.duration(-due))"
                } else {
                    row["due"] = "SLA in \(Display.duration(due))"
                }
            }
        }
        return row
    }

    /// Where a match came from and how near it was, as a reviewer reads it.
    static func matchText(_ match: EvidenceMatch) -> String {
        let provider = ["vigil": "Vigil", "photodna": "PhotoDNA", "upload": "added by hand"][match.provider] ?? Display.words(match.provider)
        let source = match.bank.map { "\($0) (\(provider))" } ?? provider
        return match.distance.map { "\(source), distance \($0)" } ?? source
    }

    /// A case's status pill says what the status means, whatever the template names it:
    /// waiting for a first look, in review, escalated, confirmed, or cleared as a false positive.
    static func statusClass(_ item: Case, _ template: CaseTemplate?) -> String {
        guard let template else { return item.isFinal ? "pill-closed" : "pill-open" }
        switch item.status {
        case template.escalatedStatus: return "pill-escalated"
        case template.confirmedStatus: return "pill-confirmed"
        case template.falsePositiveStatus: return "pill-cleared"
        default:
            return switch template.kind(of: item.status) {
            case .initial?: "pill-open"
            case .intermediate?: "pill-review"
            case .final?, nil: "pill-closed"
            }
        }
    }

    /// What the case page says at one of the reviewer's exposure caps, with the way to work needing no image.
    static func pausedText(_ use: ExposureUse, now: Date) -> String {
        let until = use.easesAt.map { eases in
            let minutes = max(1, Int((eases.timeIntervalSince(now) / 60).rounded(.up)))
            return " for about \(minutes) min (until \(Display.time(eases.addingTimeInterval(59))))"
        } ?? ""
        return use.reason(subject: "You", have: "have") + "\(until). "
            + "Work that needs no image goes on: accounts, reports, comments, and cases to decide from their matches."
    }

    /// The case's accounts named by the platform's reference id, with their status (blocked or
    /// not) for the block and unblock forms beside them.
    func linkedAccounts(_ item: Case) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        for id in item.accountIDs {
            let account: Account
            do { account = try await accounts.detail(id).account } catch CaseError.notFound { continue }
            rows.append(["id": account.id, "reference": account.referenceID, "status": Display.words(account.status), "blocked": account.isBlocked,
                         "version": account.version])
        }
        return rows
    }

    /// The names of the people who may review cases (enabled users whose role may), sorted.
    func reviewers() async throws -> [String] {
        try await users.list().filter { $0.disabledAt == nil && $0.role.may(.reviewCases) }.map(\.name).sorted()
    }

    func templatesByName() async throws -> [String: CaseTemplate] {
        Dictionary(try await cases.templates().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: one case

    func detail(_ id: Int64, _ request: Request, _ context: VigilRequestContext, revealed: [String: String] = [:],
                reblurSeconds: Int? = nil,
                problems: [String: String] = [:], status: HTTPResponse.Status? = nil) async throws -> Response {
        let detail = try await cases.detail(id)
        let item = detail.case
        let preferences = context.user?.preferences ?? ReviewerPreferences()
        let banks = try await banks.listBanks()
        var data: [String: Any] = [
            "case": Self.row(item, templates: try await templatesByName()).merging(["version": item.version, "template": item.template, "final": item.isFinal,
                                            "resolved": Display.time(item.resolvedAt), "createdBy": item.createdBy]) { _, new in new },
            "fields": item.fields.keys.sorted().map { ["name": $0, "value": Display.detail(item.fields[$0] ?? .null)] },
            "accounts": try await linkedAccounts(item),
            // The current assignee stays offered even when no longer a reviewer: Assign must not unassign by accident.
            "assignees": (try await reviewers() + [item.assignee].compactMap { $0 }).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                .map { ["name": $0, "selected": $0 == item.assignee] },
            "evidence": detail.evidence.map { evidence in
                var row: [String: Any] = [
                    "id": evidence.id, "provider": evidence.match.provider, "bank": evidence.match.bank ?? "",
                    "distance": evidence.match.distance.map(String.init) ?? "—", "variant": evidence.match.variant ?? "",
                    "fileName": evidence.fileName ?? "", "source": evidence.sourceURL ?? "", "added": Display.time(evidence.addedAt),
                    "pdq": evidence.signals.pdq ?? "", "md5": evidence.signals.md5 ?? "",
                ]
                if let sha = evidence.mediaSHA256 {
                    row["sha"] = sha
                    if let url = revealed[sha] {
                        row["revealed"] = url
                        row["revealClass"] = preferences.greyscale ? "grey" : ""
                        row["reblurSeconds"] = reblurSeconds ?? media.budget.revealSeconds
                    }
                }
                return row
            },
            "timeline": detail.timeline.reversed().map { entry in
                ["at": Display.time(entry.at), "actor": entry.actor, "kind": Display.words(entry.kind),
                 "detail": Display.detail(entry.detail)] as [String: Any]
            },
            "matchBanks": banks.filter { $0.kind == .match }.map { ["name": $0.name] },
            "allowBanks": banks.filter { $0.kind == .allow }.map { ["name": $0.name] },
            "priorityOptions": Priority.allCases.map { ["value": $0.rawValue, "selected": $0 == item.priority] },
            "errors": problems,
        ]
        var exposure: (kind: String, text: String)?
        if context.role?.may(.revealEvidence) == true {
            // At a cap for this case, the page says so before anyone presses Reveal, and offers no
            // Reveal; near one, it says how much is left.
            let seen = try await media.exposure(of: context.actor)
            if let refused = seen.refusal(queues: [item.queue], priority: item.priority) {
                data["exposureAtLimit"] = true
                exposure = ("limit", Self.pausedText(refused, now: Date()))
            } else if seen.warning(queues: [item.queue], priority: item.priority) != nil {
                exposure = ("near", "Near a cap on what you see this shift: \(seen.summary(queues: [item.queue], priority: item.priority)).")
            }
        }
        if let exposure { data["exposure"] = ["kind": exposure.kind, "text": exposure.text, "role": exposure.kind == "limit" ? "alert" : "status"] }
        data["report"] = try await ReportPanel(reports: reports).data(caseID: id, context: context, problems: problems)
        return kit.page("case", title: "Case \(id): \(item.title)", section: "cases", data: data,
                        status: status ?? (problems.isEmpty ? .ok : .unprocessableContent), request, context)
    }

    /// The report panel alone, for the page's script to refresh it when the report moves on.
    func reportFragment(_ id: Int64, _ request: Request, _ context: VigilRequestContext) async throws -> Response {
        var data = kit.renderer.layoutData(title: "", section: nil, request: request, context: context, notice: nil)
        data["case"] = ["id": id]
        data["report"] = try await ReportPanel(reports: reports).data(caseID: id, context: context, problems: [:])
        let html = kit.renderer.library.render(PageRenderer.pruned(data), withTemplate: "report-panel") ?? ""
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
