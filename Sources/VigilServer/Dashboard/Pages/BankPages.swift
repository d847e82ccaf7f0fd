import BankImport
import Banks
import Foundation
import Hummingbird
import Jobs
import Lookup
import PDQ

/// Banks: the list (with hash-list sync status), creating one, a bank's entries page by page,
/// importing a file as a job with live progress, searching by hash or image, snoozing.
struct BankPages {
    let kit: PageKit
    let lookup: LookupService
    let jobs: JobQueue
    let bankSync: BankSyncService
    let settings: ServerSettings
    let banks: BankService
    let uploads: BankImportUpload
    let auditor: Auditor
    static let pageSize = 50

    /// The entry named in the path, of the bank named there (an entry of another bank is not found).
    func entryInBank(_ context: VigilRequestContext) async throws -> (Bank, BankEntry) {
        let bank = try await banks.bank(named: try context.parameters.require("name"))
        let entry = try await banks.entry(id: try context.positiveID(of: "an entry"))
        guard entry.bankID == bank.id else { throw BankError.notFound("entry \(entry.id) in bank \(bank.name)") }
        return (bank, entry)
    }

    func register(on pages: RouterGroup<VigilRequestContext>) {
        pages.get("banks") { request, context in try await list(request, context) }
        pages.post("banks") { request, context in
            let fields = try await kit.form(request)
            var problems: [String: String] = [:]
            let name = fields.text("name") ?? ""
            if name.isEmpty { problems["name"] = "Give the bank a name." }
            let kind = BankKind(rawValue: fields["kind"] ?? "match")
            if kind == nil { problems["kind"] = "A bank is a match bank or an allow bank." }
            let threshold = fields.text("threshold").map { Int($0) } ?? Bank.defaultPDQThreshold
            if threshold == nil || !(0...256).contains(threshold ?? -1) { problems["threshold"] = "A PDQ threshold is a whole number from 0 to 256." }
            let labels = (fields["labels"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if problems.isEmpty, let kind, let threshold {
                do {
                    let bank = try await banks.createBank(NewBank(name: name, description: fields["description"] ?? "", kind: kind,
                                                                          pdqThreshold: threshold, labels: labels))
                    return kit.done("/banks/\(bank.name)", notice: "Bank \(bank.name) created.", request, context)
                } catch let error as BankError {
                    problems["name"] = error.description
                }
            }
            return try await list(request, context, form: fields, problems: problems)
        }
        pages.get("banks/{name}") { request, context in try await bank(request, context) }
        pages.post("banks/{name}/import") { request, context in
            let bank = try await banks.bank(named: try context.parameters.require("name"))
            let format = request.uri.queryParameters.get("format").flatMap { $0.isEmpty ? nil : ImportFormat(rawValue: $0) }
            let job: Job
            do {
                job = try await uploads.accept(request, into: bank, format: format, listSHA256: false, actor: context.actor)
            } catch let error as APIError where error.status == .badRequest {
                return try await self.bank(request, context, problems: ["file": error.message])
            } catch let error as BankError {
                return try await self.bank(request, context, problems: ["file": error.description])
            }
            return kit.done("/jobs/\(job.id)", notice: "Import of bank \(bank.name) queued as job \(job.id).", request, context)
        }
        pages.post("banks/{name}/search") { request, context in
            let bank = try await banks.bank(named: try context.parameters.require("name"))
            let body = try await request.collectBody(limit: settings.maxBodyBytes)
            guard case let .multipart(contentType) = BodyKind(request) else {
                return try await self.bank(request, context, problems: ["search": "Send the search form."])
            }
            let parts = try MultipartForm.parse(body, contentType: contentType)
            let hashText = parts.first { $0.name == "hash" }?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let image = parts.first { $0.name == "image" && !($0.filename ?? "").isEmpty && $0.body.readableBytes > 0 }
            let input: LookupRequest.Input
            if let image {
                input = .image(image.bytes)
            } else if let pdq = PDQHash(hex: hashText) {
                // 64 hex digits are a PDQ hash or a SHA-256: look for either.
                input = .signals(pdq: pdq, md5: nil, sha256: hashText.lowercased())
            } else if hashText.count == 32, hashText.allSatisfy(\.isHexDigit) {
                input = .signals(pdq: nil, md5: hashText.lowercased(), sha256: nil)
            } else {
                return try await self.bank(request, context, problems: [
                    "hash": hashText.isEmpty ? "Give a hash (PDQ, MD5 or SHA-256 as hex) or choose an image." : "\(hashText.prefix(80)) is not a PDQ (64 hex), MD5 (32 hex) or SHA-256 (64 hex).",
                ])
            }
            var lookupRequest = LookupRequest(input: input, api: .native, banks: [bank.name])
            lookupRequest.origin.caller = context.actor
            let outcome = try await lookup.lookup(lookupRequest)
            let hits = (outcome.matches + outcome.allowedBy + outcome.suppressed.map(\.match)).filter { $0.bank.id == bank.id }
            let rows = hits.compactMap { hit in hit.entry.map { Self.entryRow($0, bank: bank, distance: hit.distance) } }
            return try await self.bank(request, context, searchResults: rows)
        }
        pages.post("banks/{name}/entries/{id}/snooze") { request, context in
            let name = try context.parameters.require("name")
            let id = try context.positiveID(of: "an entry")
            let fields = try await kit.form(request)
            let hours = fields.text("hours").flatMap(Double.init) ?? 0
            guard (0...24 * 365).contains(hours) else { return try await bank(request, context, problems: ["snooze": "Snooze for 0 to 8760 hours."]) }
            let until = hours > 0 ? Date().addingTimeInterval(hours * 3600) : nil
            if try await banks.entry(id: id).metadata.quarantine != nil {
                // Ends its quarantine (BankService.snooze): a curator's decision, audited.
                _ = try await auditor.audited(context, "bank.entry_restore", target: "entry:\(id)", outcome: { _ in "ok: restored and snoozed" }) {
                    try await banks.snooze(entryID: id, until: until)
                }
            } else {
                _ = try await banks.snooze(entryID: id, until: until)
            }
            return kit.done("/banks/\(name)#entry-\(id)", notice: hours > 0 ? "Entry \(id) snoozed for \(Int(hours)) h." : "Entry \(id) active again.",
                            request, context)
        }
        // A curator's decisions on a quarantined entry: restore it (it matches again) or delete it.
        pages.post("banks/{name}/entries/{id}/restore") { request, context in
            let (bank, entry) = try await entryInBank(context)
            _ = try await kit.form(request)
            guard entry.metadata.quarantine != nil else {
                return try await self.bank(request, context, problems: ["quarantine": "Entry \(entry.id) is not quarantined: nothing to restore."])
            }
            _ = try await auditor.audited(context, "bank.entry_restore", target: "entry:\(entry.id)") { try await banks.restore(entryID: entry.id) }
            return kit.done("/banks/\(bank.name)#entry-\(entry.id)", notice: "Entry \(entry.id) restored: it matches again.", request, context)
        }
        pages.post("banks/{name}/entries/{id}/delete") { request, context in
            let (bank, entry) = try await entryInBank(context)
            _ = try await kit.form(request)
            _ = try await auditor.audited(context, "bank.entry_delete", target: "entry:\(entry.id)") { try await banks.removeEntry(id: entry.id) }
            return kit.done("/banks/\(bank.name)", notice: "Entry \(entry.id) deleted from \(bank.name).", request, context)
        }
        pages.get("jobs/{id}") { request, context in
            let job = try await jobs.job(id: try context.positiveID(of: "a job"))
            let json = JobJSON(job)
            return kit.page("job", title: "Job \(job.id)", section: "banks", data: Self.jobData(job, json), request, context)
        }
        pages.get("jobs/{id}/progress") { _, context in
            try JSONText.response(JobJSON(try await jobs.job(id: try context.positiveID(of: "a job"))))
        }
    }

    static func jobData(_ job: Job, _ json: JobJSON) -> [String: Any] {
        var data: [String: Any] = ["id": job.id, "kind": job.kind, "state": job.state.rawValue, "error": job.error ?? "",
                                   "finished": job.finishedAt != nil, "attempts": job.attempts]
        if let summary = (json.result ?? json.progress)?.object?["summary"]?.object ?? json.result?.object {
            data["summary"] = summary.keys.sorted().compactMap { key in
                summary[key].flatMap { $0.number.map { ["name": Display.words(key), "value": Int($0)] } }
            }
        }
        if let fraction = json.progress?.object?["fraction"]?.number { data["percent"] = Int((fraction * 100).rounded()) }
        return data
    }

    func list(_ request: Request, _ context: VigilRequestContext, form: FormFields? = nil, problems: [String: String] = [:]) async throws -> Response {
        let banks = try await banks.banksWithEntryCounts()
        let sources = Dictionary(try await bankSync.followedBanks().map { ($0.bank.id, $0.source) }, uniquingKeysWith: { first, _ in first })
        let quarantined = try await self.banks.quarantinedCounts()
        let waiting: [[String: Any]] = banks.compactMap { item in
            quarantined[item.bank.id].map { ["name": item.bank.name, "count": $0, "one": $0 == 1] }
        }
        let data: [String: Any] = [
            "quarantine": waiting.isEmpty ? false : ["banks": waiting],
            "banks": banks.map { item in
                var row: [String: Any] = ["name": item.bank.name, "kind": item.bank.kind.rawValue, "enabled": item.bank.enabled,
                                          "deleting": item.bank.deleting, "entries": item.entries, "threshold": item.bank.pdqThreshold, "labels": item.bank.labels.joined(separator: ", "),
                                          "description": item.bank.description]
                if let source = sources[item.bank.id] {
                    row["source"] = ["kind": source.kind.rawValue, "enabled": source.enabled, "last": Display.time(source.lastRunAt),
                                     "outcome": source.lastOutcome ?? "not synced yet", "next": Display.time(source.nextRunAt)]
                }
                return row
            },
            "form": ["name": form?["name"] ?? "", "description": form?["description"] ?? "", "threshold": form?["threshold"] ?? String(Bank.defaultPDQThreshold),
                     "labels": form?["labels"] ?? "", "allow": form?["kind"] == "allow"],
            "errors": problems,
        ]
        return kit.page("banks", title: "Banks", section: "banks", data: data, status: problems.isEmpty ? .ok : .unprocessableContent, request, context)
    }

    static func entryRow(_ entry: BankEntry, bank: Bank, distance: Int? = nil, feedback: EntryFeedback? = nil) -> [String: Any] {
        let quarantined = entry.metadata.quarantine != nil
        var row: [String: Any] = [
            "id": entry.id, "bank": bank.name, "pdq": entry.signals.pdq.map { $0.hex } ?? "", "md5": entry.signals.md5 ?? "",
            "sha256": entry.signals.sha256 ?? "", "externalID": entry.metadata.externalID ?? "", "note": entry.metadata.note ?? "",
            "added": Display.time(entry.addedAt), "snoozed": !quarantined && entry.isSnoozed(at: Date()), "until": Display.time(entry.disabledUntil),
            "quarantined": quarantined, "why": entry.metadata.quarantine?.reason ?? "", "since": Display.time(entry.metadata.quarantine?.at),
            "lowQuality": entry.isBelowQualityGate(of: bank), "quality": entry.signals.pdqQuality.map(String.init) ?? "",
            "record": Self.record(feedback ?? EntryFeedback()),
        ]
        if let distance { row["distance"] = distance }
        return row
    }

    /// Matches and verdicts in words, only what there is: "no matches yet", "3 matches",
    /// "3 matches, 1 confirmed, 2 false positives".
    static func record(_ feedback: EntryFeedback) -> String {
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        let followers = feedback.followerConfirmations + feedback.followerFalsePositives
        guard feedback.matches > 0 || feedback.confirmations > 0 || feedback.falsePositives > 0 || followers > 0 else { return "no matches yet" }
        var parts = [count(feedback.matches, "match", "matches")]
        if feedback.confirmations > 0 || feedback.falsePositives > 0 {
            parts += ["\(feedback.confirmations) confirmed", count(feedback.falsePositives, "false positive", "false positives")]
        }
        if followers > 0 {
            parts.append("followers: \(feedback.followerConfirmations) confirmed, \(feedback.followerFalsePositives) false")
        }
        return parts.joined(separator: ", ")
    }

    /// A guard's value in words: the bank's own, or the server's setting it follows.
    static func guardText(_ own: Int?, setting: Int, unit: String) -> String {
        guard let own else { return setting == 0 ? "off (server setting)" : "\(setting) \(unit) (server setting)" }
        return own == 0 ? "off for this bank" : "\(own) \(unit) (this bank's)"
    }

    func bank(_ request: Request, _ context: VigilRequestContext, problems: [String: String] = [:],
              searchResults: [[String: Any]]? = nil) async throws -> Response {
        let bank = try await banks.bank(named: try context.parameters.require("name"))
        let after = request.uri.queryParameters.get("after").flatMap(Int64.init) ?? 0
        let entries = try await banks.entries(of: bank, after: after, limit: Self.pageSize)
        let quarantined = try await banks.quarantined(in: bank, limit: 100)
        let feedback = try await banks.feedback(entryIDs: entries.map(\.id) + quarantined.map(\.id))
        let totals = try await banks.feedback(of: bank)
        let quarantinedCount = try await banks.quarantinedCount(of: bank)
        var data: [String: Any] = [
            "bank": ["name": bank.name, "kind": bank.kind.rawValue, "description": bank.description, "threshold": bank.pdqThreshold,
                     "labels": bank.labels.joined(separator: ", "), "enabled": bank.enabled, "deleting": bank.deleting, "record": Self.record(totals),
                     "flood": Self.guardText(bank.guards.floodLimitPerHour, setting: settings.floodLimit, unit: "distinct images an hour"),
                     "falsePositives": Self.guardText(bank.guards.falsePositiveLimit, setting: settings.falsePositiveLimit, unit: "false positives"),
                     "qualityGate": bank.guards.qualityGate.map { "\($0) (this bank's)" } ?? "\(PDQResult.defaultQualityThreshold) (the default)"],
            "count": try await banks.entryCount(of: bank),
            "quarantine": quarantined.isEmpty ? false : [
                "count": quarantinedCount, "one": quarantinedCount == 1, "more": quarantinedCount > quarantined.count,
                "entries": quarantined.map { Self.entryRow($0, bank: bank, feedback: feedback[$0.id]) },
            ] as [String: Any],
            "entries": entries.map { Self.entryRow($0, bank: bank, feedback: feedback[$0.id]) },
            "empty": entries.isEmpty,
            "next": entries.count == Self.pageSize ? ["after": entries.last.map { String($0.id) } ?? ""] : false,
            "first": after > 0,
            "formats": ImportFormat.allCases.map { ["value": $0.rawValue] },
            "errors": problems,
        ]
        if let searchResults { data["search"] = ["results": searchResults, "none": searchResults.isEmpty] }
        return kit.page("bank", title: "Bank \(bank.name)", section: "banks", data: data, status: problems.isEmpty ? .ok : .unprocessableContent,
                        request, context)
    }
}
