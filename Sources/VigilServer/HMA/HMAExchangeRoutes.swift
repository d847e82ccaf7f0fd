import BankImport
import Basics
import JSONValues
import Banks
import Foundation
import Hummingbird
import Jobs
import Integrations

/// Meta HMA's exchange routes (`/c/exchanges…`, `/c/exchange/<name>…`) in HMA's shapes, over
/// Vigil's bank sources: an exchange is a bank that follows a list, its credentials are a vault
/// credential per API (`hma:<api>`), and its fetches are the `bank.sync` jobs. As in HMA, an
/// exchange and its bank are one: deleting the exchange deletes the bank.
struct HMAExchangeRoutes {
    let jobs: JobQueue
    let credentials: CredentialService
    let bankSync: BankSyncService
    let auditor: Auditor
    let banks: BankService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("exchanges/apis") { _, _ in HMACurationRoutes.json(.array(HMAExchangeAPI.all.map { .string($0.name) })) }
        routes.get("exchanges/api/{api}") { _, context in try await authentication(try api(context)) }
        // Credentials go into the vault, so setting them takes an admin key.
        routes.post("exchanges/api/{api}") { request, context in
            let api = try api(context)
            let object = try JSONInput.object(from: try await request.collectBody(limit: 16 * 1024))
            if let given = object["credential_json"] {
                guard let fields = given.object else { throw APIError.badRequest("credential_json must be an object") }
                // As for any credential: the audit names the credential and the fields that changed, never their values.
                _ = try await auditor.audited(context, "credential.\(fields.isEmpty ? "delete" : "set")", target: "hma:\(api.name)",
                                          outcome: { (done: (id: String?, changed: [String])) in
                                              (done.id.map { "ok: credential:\($0)" } ?? "ok") + (done.changed.isEmpty ? "" : ", changed " + done.changed.joined(separator: ", "))
                                          }) {
                    try await setCredentials(fields, for: api, mayRedirect: context.isAdmin)
                }
            }
            return try await authentication(api)
        }
        routes.get("exchanges/api/{api}/schema") { _, context in
            let name = try context.parameters.require("api")
            guard let api = HMAExchangeAPI.named(name) else { throw APIError.notFound("Exchange API '\(name)' not found") }
            return HMACurationRoutes.json(api.schema)
        }
        routes.post("exchanges") { request, context in try await create(request, context) }
        routes.get("exchanges") { _, _ in
            HMACurationRoutes.json(.array(try await bankSync.followedBanks().map { .string($0.bank.name) }))
        }
        routes.get("exchange/{name}") { _, context in
            let (bank, source, api) = try await exchange(context)
            return HMACurationRoutes.json(api.config(bank: bank.name, source: source))
        }
        routes.get("exchange/{name}/status") { _, context in try await status(context) }
        routes.put("exchange/{name}") { request, context in
            let (bank, source, api) = try await exchange(context)
            let object = try JSONInput.object(from: try await request.collectBody(limit: 16 * 1024))
            guard let enabled = object["enabled"] else { return HMACurationRoutes.json(api.config(bank: bank.name, source: source)) }
            guard let flag = enabled.bool else { throw APIError.badRequest("enabled must be true or false") }
            let changed = try await auditor.audited(context, "bank.source.enable", target: "bank:\(bank.name)") {
                try await bankSync.setEnabled(bank: bank.name, flag)
            }
            return HMACurationRoutes.json(api.config(bank: bank.name, source: changed))
        }
        routes.delete("exchange/{name}") { _, context in
            let (bank, _, _) = try await exchange(context)
            try await auditor.audited(context, "bank.delete", target: "bank:\(bank.name)") { try await banks.deleteBank(named: bank.name) }
            return HMACurationRoutes.json(.object(["message": .string("Exchange deleted")]))
        }
    }

    func api(_ context: VigilRequestContext) throws -> HMAExchangeAPI {
        let name = try context.parameters.require("api")
        guard let api = HMAExchangeAPI.named(name) else { throw APIError.badRequest("no such Exchange API '\(name)'") }
        return api
    }

    /// The vault credential holding an API's credentials, if set.
    func credential(for api: HMAExchangeAPI) async throws -> CredentialView? {
        try await credentials.list().first { $0.integration == api.kind.integration && $0.values["nickname"] == api.credentialNickname }
    }

    func authentication(_ api: HMAExchangeAPI) async throws -> Response {
        HMACurationRoutes.json(.object(["supports_authentification": .bool(true),
                                        "has_set_authentification": .bool(try await credential(for: api) != nil)]))
    }

    /// HMA's `credential_json` stored as the API's vault credential; `{}` removes it. Returns the
    /// credential's id and the names of the fields that changed.
    func setCredentials(_ fields: [String: JSONValue], for api: HMAExchangeAPI, mayRedirect: Bool) async throws -> (id: String?, changed: [String]) {
        let existing = try await credential(for: api)
        if fields.isEmpty {
            if let existing { _ = try await credentials.delete(id: existing.id) }
            return (existing?.id, [])
        }
        var values: [String: String] = [:]
        for (field, vigil) in api.credentialFields {
            guard let value = fields[field.name]?.string, !value.isEmpty else {
                throw APIError.badRequest("credential_json.\(field.name) is required (a string)")
            }
            values[vigil] = value
        }
        if let unknown = fields.keys.sorted().first(where: { name in !api.credentialFields.contains { $0.hma.name == name } }) {
            throw APIError.badRequest("credential_json has no field \(unknown)")
        }
        if let existing {
            let change = try await credentials.update(id: existing.id, values: values, mayRedirect: mayRedirect)
            return (existing.id, change.changedFields)
        }
        values["nickname"] = api.credentialNickname
        let created = try await credentials.create(integration: api.kind.integration, values: values, mayRedirect: mayRedirect)
        return (created.id, values.keys.sorted())
    }

    func create(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let object = try JSONInput.object(from: try await request.collectBody(limit: 16 * 1024))
        guard let bankName = object["bank"]?.string else { throw APIError.badRequest("Field `bank` is required") }
        guard !bankName.isEmpty, bankName.unicodeScalars.allSatisfy({ $0 == "_" || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }) else {
            throw APIError.badRequest("Field `bank` must match /^[A-Z0-9_]+$/")
        }
        let apiJSON = object["api_json"] ?? .object([:])
        guard let config = apiJSON.object else { throw APIError.badRequest("Field `api_json` must be object") }
        guard let apiName = object["api"]?.string else { throw APIError.badRequest("Field `api_type` is required") }
        guard let api = HMAExchangeAPI.named(apiName) else { throw APIError.badRequest("No such exchange type '\(apiName)'") }
        let options = try api.options(from: config)
        let interval = config["interval_seconds"]?.number ?? BankSource.defaultInterval
        guard let credential = try await credential(for: api) else {
            throw APIError.badRequest("no credentials are set for \(api.name): POST /c/exchanges/api/\(api.name) with credential_json first")
        }
        try await auditor.audited(context, "bank.create", target: "bank:\(bankName)") {
            if try await banks.findBank(named: bankName) != nil {
                throw APIError.badRequest("a bank named \(bankName) already exists: an exchange makes its own bank")
            }
            _ = try await banks.createBank(NewBank(name: bankName, description: "HMA exchange (\(api.name))"))
            do {
                _ = try await bankSync.setSource(bank: bankName, kind: api.kind, credentialID: credential.id, interval: interval,
                                                         options: options)
            } catch {
                try? await banks.deleteBank(named: bankName)
                throw error
            }
        }
        return HMACurationRoutes.json(.object(["message": .string("Created successfully")]), status: .created)
    }

    func exchange(_ context: VigilRequestContext) async throws -> (Bank, BankSource, HMAExchangeAPI) {
        let name = try context.parameters.require("name")
        let missing = APIError.notFound("Exchange '\(name)' not found")
        guard let bank = try await banks.findBank(named: name) else { throw missing }
        // A bank that follows no list is no exchange; any other failure (storage) stays itself.
        let source: BankSource
        do { source = try await bankSync.source(bank: bank.name) } catch BankError.notFound { throw missing }
        guard let api = HMAExchangeAPI.all.first(where: { $0.kind == source.kind }) else { throw missing }
        return (bank, source, api)
    }

    /// HMA's `FetchStatus`: times in unix seconds, the last fetch's outcome, the items held.
    func status(_ context: VigilRequestContext) async throws -> Response {
        let (bank, source, _) = try await exchange(context)
        let running = try await jobs.list(kinds: [BankSyncService.jobKind], states: [.running], limit: 1000).first { job in
            (try? JobText.payload([String: Int64].self, of: job))?["bank_id"] == bank.id
        }
        let checkpoint: JSONValue = switch source.kind {
        case .ncmec: source.checkpoint.flatMap(Timestamp.parse).map { .number($0.timeIntervalSince1970.rounded(.down)) } ?? .null
        case .vigilRemote: source.checkpoint.flatMap(Double.init).map(JSONValue.number) ?? .null
        }
        let succeeded = source.lastOutcome.map { $0.hasPrefix("ok") }
        let upToDate = succeeded == true && running == nil && source.nextRunAt > Date()
        return HMACurationRoutes.json(.object([
            "checkpoint_ts": checkpoint,
            // When the running fetch was queued (the queue does not record when a worker took it).
            "running_fetch_start_ts": running.map { .number($0.createdAt.timeIntervalSince1970.rounded(.down)) } ?? .null,
            "last_fetch_complete_ts": source.lastRunAt.map { .number($0.timeIntervalSince1970.rounded(.down)) } ?? .null,
            "last_fetch_succeeded": succeeded.map(JSONValue.bool) ?? .null,
            "up_to_date": .bool(upToDate),
            "fetched_items": .number(Double(try await banks.entryCount(of: bank))),
        ]))
    }
}
