import Lookup
import Basics
import Access
import BankImport
import Banks
import Foundation
import Hummingbird
import JSONValues
import Jobs
import NIOCore

/// `/v1/banks…`: banks, entries, imports and exports over HTTP, mirroring `vigil bank`.
struct BankRoutes {
    let lookup: LookupService
    let settings: ServerSettings
    let auditor: Auditor
    let banks: BankService
    let native: NativeRoutes
    let uploads: BankImportUpload

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("banks") { _, _ in try await list() }
        routes.get("banks/{name}") { _, context in try await show(context) }
        routes.get("banks/{name}/entries") { request, context in try await entries(request, context) }
        routes.get("banks/{name}/entries/{id}") { _, context in try await entry(context) }
        routes.get("banks/{name}/export") { request, context in try await export(request, context) }
        routes.post("banks") { request, context in try await create(request, context) }
        routes.patch("banks/{name}") { request, context in try await update(request, context) }
        routes.delete("banks/{name}") { request, context in try await delete(request, context) }
        routes.post("banks/{name}/entries") { request, context in try await addEntries(request, context) }
        routes.patch("banks/{name}/entries/{id}") { request, context in try await updateEntry(request, context) }
        routes.delete("banks/{name}/entries/{id}") { _, context in try await deleteEntry(context) }
        routes.post("banks/{name}/entries/{id}/restore") { _, context in
            // A curator's decision on a quarantined entry: it matches again.
            let (bank, entry) = try await entryInBank(context)
            guard entry.metadata.quarantine != nil else { throw APIError(.conflict, "conflict", "entry \(entry.id) is not quarantined") }
            let restored = try await auditor.audited(context, "bank.entry_restore", target: "entry:\(entry.id)") { try await banks.restore(entryID: entry.id) }
            return try JSONText.response(EntryDetailJSON(restored, bank: bank))
        }
        // A following Vigil's reviewers' word on an entry it took from this bank: one vote per key
        // and entry, the later replacing the earlier; shown as `followers` in the entry's feedback.
        routes.post("banks/{name}/entries/{id}/votes") { request, context in
            let (_, entry) = try await entryInBank(context)
            let body = try JSONInput.decode(VoteBody.self, from: try await request.collectBody(limit: 4 * 1024))
            guard let direction = body.vote.flatMap(ListVote.Direction.init(rawValue:)) else {
                throw APIError.badRequest("vote must be \"up\" (a confirmed match) or \"down\" (a false positive)", code: "invalid_vote")
            }
            try await banks.recordVote(entryID: entry.id, voter: context.actor, direction: direction)
            let feedback = try await banks.feedback(entryIDs: [entry.id])[entry.id] ?? EntryFeedback()
            return try JSONText.response(VoteJSON(entryID: entry.id, vote: direction.rawValue, feedback: FeedbackJSON(feedback)))
        }
        routes.post("banks/{name}/import") { request, context in try await importFile(request, context) }
    }

    /// `POST /v1/banks/{name}/entries/{id}/votes`: `{"vote": "up" | "down"}`.
    struct VoteBody: Decodable {
        var vote: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case vote }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            vote = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .vote)
        }
    }

    /// The answer to a vote: the entry's feedback as it now stands.
    struct VoteJSON: Encodable {
        var entryID: Int64
        var vote: String
        var feedback: FeedbackJSON

        enum CodingKeys: String, CodingKey { case entryID = "entry_id", vote, feedback }
    }

    // MARK: banks

    struct BankBody: Decodable {
        var name: String?
        var description: String?
        var kind: String?
        var enabled: Bool?
        var pdqThreshold: Int?
        var labels: [String]?
        /// The guards given, each with its value (nil: back to the server's setting).
        var guards: [CodingKeys: Int?] = [:]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, description, kind, enabled, pdqThreshold = "pdq_threshold", labels
            case floodLimit = "flood_limit_per_hour", falsePositiveLimit = "false_positive_limit", qualityGate = "quality_gate"
        }

        /// `guards` over `current`: a field left out keeps its value, a null one follows the setting.
        func guards(over current: BankGuards) -> BankGuards {
            var updated = current
            if let value = guards[.floodLimit] { updated.floodLimitPerHour = value }
            if let value = guards[.falsePositiveLimit] { updated.falsePositiveLimit = value }
            if let value = guards[.qualityGate] { updated.qualityGate = value }
            return updated
        }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            kind = try c.decodeIfPresent(String.self, forKey: .kind)
            enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled)
            pdqThreshold = try c.decodeIfPresent(Int.self, forKey: .pdqThreshold)
            labels = try c.decodeIfPresent([String].self, forKey: .labels)
            for key in [CodingKeys.floodLimit, .falsePositiveLimit, .qualityGate] where c.contains(key) {
                guards[key] = try c.decodeNil(forKey: key) ? Int?.none : try c.decode(Int.self, forKey: key)
            }
        }

        func kindValue() throws -> BankKind? {
            guard let kind else { return nil }
            guard let value = BankKind(rawValue: kind) else { throw APIError.badRequest("kind must be \"match\" or \"allow\"") }
            return value
        }
    }

    /// A bank as the API shows it, with its entries' totals.
    func json(_ bank: Bank) async throws -> BankJSON {
        BankJSON(bank, entryCount: try await banks.entryCount(of: bank), feedback: try await banks.feedback(of: bank),
                 quarantined: try await banks.quarantinedCount(of: bank))
    }

    func list() async throws -> Response {
        let (feedback, quarantined) = (try await banks.bankFeedback(), try await banks.quarantinedCounts())
        return try JSONText.response(["banks": try await banks.banksWithEntryCounts().map {
            BankJSON($0.bank, entryCount: $0.entries, feedback: feedback[$0.bank.id] ?? EntryFeedback(), quarantined: quarantined[$0.bank.id] ?? 0)
        }])
    }

    func bank(_ context: VigilRequestContext) async throws -> Bank {
        try await banks.bank(named: try context.parameters.require("name"))
    }

    func show(_ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        return try JSONText.response(try await json(bank))
    }

    func create(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let body = try JSONInput.decode(BankBody.self, from: try await request.collectBody(limit: 64 * 1024))
        guard let name = body.name else { throw APIError.badRequest("\"name\" is required") }
        let new = NewBank(
            name: name, description: body.description ?? "", kind: try body.kindValue() ?? .match, enabled: body.enabled ?? true,
            pdqThreshold: body.pdqThreshold ?? Bank.defaultPDQThreshold, labels: body.labels ?? [], guards: body.guards(over: BankGuards()))
        let bank = try await auditor.audited(context, "bank.create", target: "bank:\(name)") { try await banks.createBank(new) }
        return try JSONText.response(BankJSON(bank, entryCount: 0), status: .created)
    }

    func update(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        var bank = try await bank(context)
        let body = try JSONInput.decode(BankBody.self, from: try await request.collectBody(limit: 64 * 1024))
        if let name = body.name { bank.name = name }
        if let description = body.description { bank.description = description }
        if let kind = try body.kindValue() { bank.kind = kind }
        if let enabled = body.enabled { bank.enabled = enabled }
        if let threshold = body.pdqThreshold { bank.pdqThreshold = threshold }
        if let labels = body.labels { bank.labels = labels }
        bank.guards = body.guards(over: bank.guards)
        let changed = bank
        let force = try Flag.parse(request.query("force"), name: "force") ?? false
        let updated = try await auditor.audited(context, force ? "bank.update_forced" : "bank.update", target: "bank:\(try context.parameters.require("name"))") {
            try await banks.updateBank(changed, force: force)
        }
        return try JSONText.response(try await json(updated))
    }

    func delete(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let force = try Flag.parse(request.query("force"), name: "force") ?? false
        try await auditor.audited(context, force ? "bank.delete_forced" : "bank.delete", target: "bank:\(bank.name)") {
            try await banks.deleteBank(named: bank.name, force: force)
        }
        return try JSONText.response(["deleted": bank.name])
    }

    // MARK: entries

    func entries(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let after = try request.queryInteger("after", default: 0, in: 0...Int.max)
        let limit = try request.queryInteger("limit", default: 100, in: 1...1000)
        let page = try await banks.entries(of: bank, after: Int64(after), limit: limit)
        let verdicts = try await banks.feedback(entryIDs: page.map(\.id))
        return try JSONText.response(EntryPage(entries: page.map { EntryDetailJSON($0, bank: bank, feedback: verdicts[$0.id] ?? EntryFeedback()) },
                                               nextAfter: page.count == limit ? page.last?.id : nil))
    }

    func entryInBank(_ context: VigilRequestContext) async throws -> (Bank, BankEntry) {
        let bank = try await bank(context)
        guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("entry id must be an integer") }
        let entry = try await banks.entry(id: id)
        guard entry.bankID == bank.id else { throw APIError.notFound("entry \(id) not found in bank \"\(bank.name)\"") }
        return (bank, entry)
    }

    func entry(_ context: VigilRequestContext) async throws -> Response {
        let (bank, entry) = try await entryInBank(context)
        let verdicts = try await banks.feedback(entryIDs: [entry.id])
        return try JSONText.response(EntryDetailJSON(entry, bank: bank, feedback: verdicts[entry.id] ?? EntryFeedback()))
    }

    struct NewEntryBody: Decodable {
        var pdq: String?
        var pdqQuality: Int?
        var md5: String?
        var sha256: String?
        var externalID: String?
        var source: String?
        var note: String?
        var extra: [String: String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case pdq, pdqQuality = "pdq_quality", md5, sha256, externalID = "external_id", source, note, extra
        }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            pdq = try c.decodeIfPresent(String.self, forKey: .pdq)
            pdqQuality = try c.decodeIfPresent(Int.self, forKey: .pdqQuality)
            md5 = try c.decodeIfPresent(String.self, forKey: .md5)
            sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
            externalID = try c.decodeIfPresent(String.self, forKey: .externalID)
            source = try c.decodeIfPresent(String.self, forKey: .source)
            note = try c.decodeIfPresent(String.self, forKey: .note)
            extra = try c.decodeIfPresent([String: String].self, forKey: .extra)
        }
    }

    struct EntriesBody: Decodable {
        var entries: [NewEntryBody]

        enum CodingKeys: String, CodingKey, CaseIterable { case entries }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            entries = try decoder.container(keyedBy: CodingKeys.self).decode([NewEntryBody].self, forKey: .entries)
        }
    }

    /// Adds entries given as signals (JSON `{"entries": [...]}`) or one uploaded image (hashed here).
    func addEntries(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let addedBy = context.actor
        var news: [NewEntry] = []
        switch BodyKind(request) {
        case .json:
            let body = try JSONInput.decode(EntriesBody.self, from: try await request.collectJSON(limit: settings.maxJSONBytes))
            guard !body.entries.isEmpty, body.entries.count <= 10_000 else { throw APIError.badRequest("\"entries\" must hold 1-10000 entries") }
            for (i, item) in body.entries.enumerated() {
                var signals = EntrySignals()
                do {
                    signals.pdq = try item.pdq.map { try SignalText.pdq($0, field: "entries[\(i)].pdq") }
                    signals.md5 = try item.md5.map { try SignalText.digest($0, length: 32, field: "entries[\(i)].md5") }
                    signals.sha256 = try item.sha256.map { try SignalText.digest($0, length: 64, field: "entries[\(i)].sha256") }
                }
                if let quality = item.pdqQuality {
                    guard (0...100).contains(quality) else { throw APIError.badRequest("entries[\(i)].pdq_quality must be 0-100") }
                    signals.pdqQuality = quality
                }
                guard !signals.isEmpty else { throw APIError.badRequest("entries[\(i)] has no signal (pdq, md5 or sha256)") }
                news.append(NewEntry(signals: signals, metadata: EntryMetadata(
                    externalID: item.externalID, source: item.source, note: item.note, extra: item.extra ?? [:]), addedBy: addedBy))
            }
        case .image, .multipart:
            let input = try await native.input(request, signalsAllowed: false)
            let signals = try await lookup.hash(input.image!, dihedral: false)
            news.append(NewEntry(signals: EntrySignals(pdq: signals.usablePDQ, pdqQuality: signals.quality,
                                                       md5: signals.md5, sha256: signals.sha256),
                                 metadata: EntryMetadata(source: "upload"), addedBy: addedBy))
        default:
            throw APIError(.unsupportedMediaType, "unsupported_content_type", "send JSON {\"entries\": [...]}, an image or multipart")
        }
        let outcome = try await banks.addEntries(news, to: bank)
        return try JSONText.response(AddedJSON(added: outcome.insertedCount, duplicates: outcome.duplicates,
                                               entryIDs: outcome.inserted.map(\.entryID)), status: .created)
    }

    struct EntryUpdateBody: Decodable {
        var disabledUntil: Date??
        var note: String??

        enum CodingKeys: String, CodingKey, CaseIterable { case disabledUntil = "disabled_until", note }

        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if c.contains(.disabledUntil) {
                if try c.decodeNil(forKey: .disabledUntil) {
                    disabledUntil = .some(nil)
                } else {
                    let text = try c.decode(String.self, forKey: .disabledUntil)
                    guard let date = Timestamp.parse(text) else {
                        throw APIError.badRequest("disabled_until must be an ISO 8601 time such as 2027-01-01T00:00:00Z, or null")
                    }
                    disabledUntil = .some(date)
                }
            }
            if c.contains(.note) { note = .some(try c.decodeIfPresent(String.self, forKey: .note)) }
        }
    }

    func updateEntry(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let (bank, entry) = try await entryInBank(context)
        let body = try JSONInput.decode(EntryUpdateBody.self, from: try await request.collectBody(limit: 64 * 1024))
        var updated = entry
        // Snoozing a quarantined entry ends its quarantine (BankService.snooze): a curator's decision, audited.
        if let until = body.disabledUntil {
            if entry.metadata.quarantine != nil {
                updated = try await auditor.audited(context, "bank.entry_restore", target: "entry:\(entry.id)",
                                                    outcome: { _ in "ok: restored and snoozed" }) { try await banks.snooze(entryID: entry.id, until: until) }
            } else {
                updated = try await banks.snooze(entryID: entry.id, until: until)
            }
        }
        if let note = body.note { updated = try await banks.setNote(entryID: entry.id, note) }
        return try JSONText.response(EntryDetailJSON(updated, bank: bank))
    }

    func deleteEntry(_ context: VigilRequestContext) async throws -> Response {
        let (_, entry) = try await entryInBank(context)
        _ = try await banks.removeEntry(id: entry.id)
        return try JSONText.response(["deleted": entry.id])
    }

    // MARK: import / export

    /// Streams an uploaded file (raw body or multipart field `file`) through the same import
    /// readers as `vigil bank import`. The upload is spooled to a temporary file as it arrives,
    /// so neither the upload nor the import holds the whole file in memory.
    func importFile(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let format = try request.query("format").map { text in
            guard let format = ImportFormat(rawValue: text) else {
                throw APIError.badRequest("format must be one of \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return format
        }
        let listSHA256 = try Flag.parse(request.query("list_sha256"), name: "list_sha256") ?? false
        let job = try await uploads.accept(request, into: bank, format: format, listSHA256: listSHA256, actor: context.actor)
        var response = try JSONText.response(JobJSON(job), status: .accepted)
        response.headers[.location] = "/v1/jobs/\(job.id)"
        return response
    }

    func export(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let format = try request.query("format").map { text in
            guard let format = BankExporter.Format(rawValue: text) else { throw APIError.badRequest("format must be csv or list") }
            return format
        } ?? .csv
        // Cells a spreadsheet would run as formulas are guarded unless the caller asks for raw text.
        let raw = try Flag.parse(request.query("raw"), name: "raw") ?? false
        let banks = self.banks
        // Streamed a page (10 000 entries) at a time: an export of millions never sits in memory.
        let body = ResponseBody { writer in
            var pending = ""
            try await BankExporter.export(bank, from: banks, format: format, raw: raw, write: { pending += $0 }, pageWritten: {
                try await writer.write(ByteBuffer(string: pending))
                pending = ""
            })
            if !pending.isEmpty { try await writer.write(ByteBuffer(string: pending)) }
            try await writer.finish(nil)
        }
        var headers = HTTPFields()
        headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(bank.name).\(format == .csv ? "csv" : "txt")\""
        return Response(status: .ok, headers: headers, body: body)
    }
}
