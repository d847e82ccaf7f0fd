import Lookup
import ImageSignals
import JSONValues
import Banks
import ContentHashing
import Foundation
import Hummingbird
import NIOCore
import PDQ

/// Meta HMA's curator routes (`/c`): banks and bank content, in HMA's shapes. HMA bank names
/// match `^[A-Z_][A-Z0-9_]*$`; its `enabled_ratio` coin-flip is supported at 0 and 1 only.
struct HMACurationRoutes {
    let lookup: LookupService
    let settings: ServerSettings
    let banks: BankService
    let matching: HMAMatchingRoutes

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("banks") { _, _ in try await list() }
        routes.get("bank/{name}") { _, context in try await show(context) }
        routes.get("bank/{name}/content/{id}") { request, context in try await content(request, context) }
        routes.post("banks") { request, _ in try await create(request) }
        routes.put("bank/{name}") { request, context in try await update(request, context) }
        routes.delete("bank/{name}") { _, context in try await delete(context) }
        routes.post("bank/{name}/content") { request, context in try await addContent(request, context) }
        routes.put("bank/{name}/content/{id}") { request, context in try await updateContent(request, context) }
        routes.delete("bank/{name}/content/{id}") { _, context in try await deleteContent(context) }
        routes.post("bank/{name}/signal") { request, context in try await addSignal(request, context) }
    }

    static func validName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) else { return false }
        return name.count <= 64 && name.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    static func bankJSON(_ bank: Bank) -> JSONValue {
        .object(["name": .string(bank.name), "matching_enabled_ratio": .number(bank.enabled ? 1 : 0)])
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        JSONText.response(value.text, status: status)
    }

    func bank(_ context: VigilRequestContext) async throws -> Bank {
        let name = try context.parameters.require("name")
        guard let bank = try await banks.findBank(named: name) else { throw APIError.notFound("bank '\(name)' not found") }
        return bank
    }

    func list() async throws -> Response {
        Self.json(.array(try await banks.listBanks().map(Self.bankJSON)))
    }

    func show(_ context: VigilRequestContext) async throws -> Response {
        Self.json(Self.bankJSON(try await bank(context)))
    }

    /// The keys a bank body may have: a misspelt one is refused, naming it, never ignored.
    static let bankKeys: Set<String> = ["name", "enabled", "enabled_ratio", "matching_enabled_ratio"]

    static func refuseUnknownKeys(_ object: [String: JSONValue]) throws {
        if let unknown = object.keys.sorted().first(where: { !bankKeys.contains($0) }) {
            throw APIError.badRequest("the bank has an unknown key \"\(unknown)\" (known keys: \(bankKeys.sorted().joined(separator: ", ")))")
        }
    }

    /// `enabled_ratio` (or `matching_enabled_ratio`, as a bank reads back) / `enabled` → Vigil's on/off switch.
    static func enabled(from object: [String: JSONValue]) throws -> Bool? {
        if let ratio = object["enabled_ratio"] ?? object["matching_enabled_ratio"] {
            guard let value = ratio.number else { throw APIError.badRequest("enabled_ratio must be a number") }
            guard value == 0 || value == 1 else {
                throw APIError.badRequest("enabled_ratio must be 0 or 1: Vigil does not sample lookups (use enabled)")
            }
            return value == 1
        }
        if let enabled = object["enabled"] {
            guard let value = enabled.bool else { throw APIError.badRequest("enabled must be true or false") }
            return value
        }
        return nil
    }

    func create(_ request: Request) async throws -> Response {
        let object = try JSONInput.object(from: try await request.collectBody(limit: 64 * 1024))
        try Self.refuseUnknownKeys(object)
        guard let name = object["name"]?.string else { throw APIError.badRequest("name is required (a string)") }
        guard Self.validName(name) else { throw APIError.badRequest("Bank name must be UPPER_WITH_UNDERSCORE (^[A-Z_][A-Z0-9_]*$)") }
        let enabled = try Self.enabled(from: object) ?? true
        // HMA answers an existing name with 403.
        let bank: Bank
        do {
            bank = try await banks.createBank(NewBank(name: name, enabled: enabled))
        } catch BankError.alreadyExists {
            throw APIError(.forbidden, "already_exists", "Bank already exists")
        }
        return Self.json(Self.bankJSON(bank), status: .created)
    }

    func update(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        var bank = try await bank(context)
        let object = try JSONInput.object(from: try await request.collectBody(limit: 64 * 1024))
        try Self.refuseUnknownKeys(object)
        if let name = object["name"] {
            guard let name = name.string, Self.validName(name) else {
                throw APIError.badRequest("Bank name must be UPPER_WITH_UNDERSCORE (^[A-Z_][A-Z0-9_]*$)")
            }
            bank.name = name
        }
        if let enabled = try Self.enabled(from: object) { bank.enabled = enabled }
        do {
            return Self.json(Self.bankJSON(try await banks.updateBank(bank)))
        } catch BankError.alreadyExists {
            throw APIError(.forbidden, "already_exists", "Bank name already exists")
        }
    }

    /// Like HMA, deleting a bank that does not exist is not an error.
    func delete(_ context: VigilRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        if try await banks.findBank(named: name) != nil { try await banks.deleteBank(named: name) }
        return Self.json(.object(["message": .string("Done")]))
    }

    // MARK: content

    func contentJSON(_ entry: BankEntry, bank: Bank, signals: Bool) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .number(Double(entry.id)),
            "disable_until_ts": .number(entry.disabledUntil.map { $0.timeIntervalSince1970.rounded(.down) } ?? 0),
            "collab_metadata": .object([:]),
            "original_media_uri": entry.metadata.source.map(JSONValue.string) ?? .null,
            "bank": Self.bankJSON(bank),
        ]
        if signals {
            var values: [String: JSONValue] = [:]
            if let pdq = entry.signals.pdq { values["pdq"] = .string(pdq.hex) }
            if let md5 = entry.signals.md5 { values["md5"] = .string(md5) }
            if let sha256 = entry.signals.sha256 { values["sha256"] = .string(sha256) }
            object["signals"] = .object(values)
        }
        if let note = entry.metadata.note { object["note"] = .string(note) }
        return .object(object)
    }

    func entryInBank(_ context: VigilRequestContext) async throws -> (Bank, BankEntry) {
        let bank = try await bank(context)
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else { throw APIError.badRequest("content id must be an integer") }
        guard let entry = try await banks.findEntry(id: id), entry.bankID == bank.id else {
            throw APIError.notFound("content '\(id)' not found")
        }
        return (bank, entry)
    }

    func content(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let (bank, entry) = try await entryInBank(context)
        let signals = try Flag.parse(request.query("include_signals"), name: "include_signals") ?? false
        return Self.json(contentJSON(entry, bank: bank, signals: signals))
    }

    /// Metadata HMA accepts beside content: `{content_id, content_uri, json}` and a note.
    func metadata(_ object: [String: JSONValue]?, note: String?, fallbackURI: String?) throws -> EntryMetadata {
        var metadata = EntryMetadata(source: fallbackURI, note: note)
        guard let object else { return metadata }
        if let id = object["content_id"] { metadata.externalID = id.string ?? id.text }
        if let uri = object["content_uri"] {
            guard let text = uri.string else { throw APIError.badRequest("Invalid metadata: content_uri must be a string") }
            metadata.source = text
        }
        if let json = object["json"] { metadata.extra["json"] = json.text }
        return metadata
    }

    func addContent(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let matching = matching
        var metadataObject: [String: JSONValue]?
        var note: String?
        let signals: ContentSignals
        let url = request.query("url")
        if let url, !url.isEmpty {
            if case .json = BodyKind(request) {
                let object = try JSONInput.object(from: try await request.collectJSON(limit: settings.maxJSONBytes))
                metadataObject = object["metadata"]?.object
                note = object["note"]?.string
            }
            signals = try await matching.fetchAndHash(request)
        } else if case let .multipart(type) = BodyKind(request) {
            let body = try await request.collectBody(limit: settings.maxBodyBytes)
            let parts = try MultipartForm.parse(body, contentType: type)
            if let text = parts.first(where: { $0.name == "metadata" })?.text {
                guard text.utf8.count <= settings.maxJSONBytes else { throw APIError.tooLarge(settings.maxJSONBytes) }
                guard let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.object else {
                    throw APIError.badRequest("metadata should be a json object")
                }
                metadataObject = object
            }
            note = parts.first(where: { $0.name == "note" })?.text
            guard let file = parts.first(where: { $0.filename != nil }) else { throw APIError.badRequest("Neither `url` nor multipart file upload was received") }
            try HMAMatchingRoutes.checkContentType(file.name)
            signals = try await lookup.hash(file.bytes, dihedral: false)
        } else {
            throw APIError.badRequest("Neither `url` nor multipart file upload was received")
        }
        if let note, note.count > 255 { throw APIError.badRequest("note must be at most 255 characters") }
        guard !signals.isTooSmallForPDQ else { throw APIError.badRequest("the image is too small for PDQ (under 5 pixels on a side)") }
        let entry = NewEntry(signals: EntrySignals(pdq: signals.pdq, pdqQuality: signals.quality, md5: signals.md5, sha256: signals.sha256),
                             metadata: try metadata(metadataObject, note: note, fallbackURI: url), addedBy: Self.addedBy(context))
        return try await store(entry, in: bank, echo: ["pdq": signals.pdq.hex])
    }

    func store(_ entry: NewEntry, in bank: Bank, echo: [String: String]) async throws -> Response {
        let outcome = try await banks.addEntries([entry], to: bank)
        let id: Int64
        if let inserted = outcome.inserted.first {
            id = inserted.entryID
        } else {
            // Already banked: answer with the existing entry, as adding twice is a no-op.
            id = try await existingEntryID(entry, bank: bank)
        }
        return Self.json(.object(["id": .number(Double(id)), "signals": .object(echo.mapValues(JSONValue.string))]))
    }

    /// Asked of the bank itself, not the index: an entry that is snoozed, or in a disabled bank,
    /// is found too.
    func existingEntryID(_ entry: NewEntry, bank: Bank) async throws -> Int64 {
        guard let id = try await banks.entryID(holding: entry.signals, in: bank) else {
            throw APIError(.conflict, "already_exists", "the signal is already in the bank")
        }
        return id
    }

    func updateContent(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let (bank, entry) = try await entryInBank(context)
        let object = try JSONInput.object(from: try await request.collectBody(limit: 64 * 1024))
        var updated = entry
        if let value = object["disable_until_ts"] {
            let seconds: Int
            if let number = value.integer {
                seconds = number
            } else if let text = value.string, let number = Int(text) {
                seconds = number
            } else {
                throw APIError.badRequest("disable_until_ts must be an integer (Unix seconds)")
            }
            guard seconds >= 0 else { throw APIError.badRequest("disable_until_ts must be a non-negative integer") }
            let limit = Date().addingTimeInterval(5 * 365 * 86400)
            let until = Date(timeIntervalSince1970: Double(seconds))
            guard until <= limit else { throw APIError.badRequest("disable_until_ts must be less than 5 years in the future") }
            updated = try await banks.snooze(entryID: entry.id, until: seconds == 0 ? nil : until)
        }
        if let note = object["note"] {
            guard let note = note.string, note.count <= 255 else { throw APIError.badRequest("note must be a string of at most 255 characters") }
            updated = try await banks.setNote(entryID: entry.id, note)
        }
        return Self.json(contentJSON(updated, bank: bank, signals: false))
    }

    func deleteContent(_ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("content id must be an integer") }
        guard let entry = try await banks.findEntry(id: id), entry.bankID == bank.id else { return Self.json(.object(["deleted": .number(0)])) }
        _ = try await banks.removeEntry(id: entry.id)
        return Self.json(.object(["deleted": .number(1)]))
    }

    func addSignal(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let bank = try await bank(context)
        let object = try JSONInput.object(from: try await request.collectBody(limit: 64 * 1024))
        var signals = EntrySignals()
        var echo: [String: String] = [:]
        for (key, value) in object where key != "note" {
            guard let text = value.string else { throw APIError.badRequest("Invalid \(key) signal: expected a string") }
            switch key {
            case "pdq": signals.pdq = try SignalText.pdq(text); echo["pdq"] = signals.pdq!.hex
            case "md5": signals.md5 = try SignalText.digest(text, length: 32, field: "md5"); echo["md5"] = signals.md5
            case "sha256": signals.sha256 = try SignalText.digest(text, length: 64, field: "sha256"); echo["sha256"] = signals.sha256
            default: throw APIError.badRequest("No such signal type \(key.prefix(40))", code: "invalid_signal_type")
            }
        }
        guard !signals.isEmpty else { throw APIError.badRequest("No signals given") }
        let note = object["note"]?.string
        if let note, note.count > 255 { throw APIError.badRequest("note must be at most 255 characters") }
        return try await store(NewEntry(signals: signals, metadata: EntryMetadata(note: note), addedBy: Self.addedBy(context)),
                               in: bank, echo: echo)
    }

    static func addedBy(_ context: VigilRequestContext) -> String { context.actor }
}
