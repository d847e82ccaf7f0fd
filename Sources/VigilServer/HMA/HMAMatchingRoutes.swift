import SafeFetch
import ImageSignals
import JSONValues
import Banks
import ContentHashing
import Foundation
import Hummingbird
import Lookup
import NIOCore
import PDQ

/// Meta HMA's hasher (`/h`) and matcher (`/m`) routes: its paths, parameters and JSON shapes.
struct HMAMatchingRoutes {
    let lookup: LookupService
    let fetcher: SafeURLFetcher
    let settings: ServerSettings
    let readiness: IndexReadiness
    let banks: BankService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("h/hash") { request, _ in try await hashURL(request) }
        routes.post("h/hash") { request, _ in try await hashUpload(request) }
        routes.get("m/lookup") { request, context in try await lookupGet(request, caller: context.actor) }
        routes.post("m/lookup") { request, context in try await lookupPost(request, caller: context.actor) }
        routes.get("m/raw_lookup") { request, context in try await rawLookup(request, caller: context.actor) }
        routes.post("m/compare") { request, _ in try await compare(request) }
        routes.get("m/index/status") { request, _ in try indexStatus(request) }
    }

    static let signalTypes = ["pdq", "md5", "sha256"]

    // MARK: hashing

    /// HMA's content types: only `photo` is hashed here.
    static func checkContentType(_ value: String?) throws {
        guard let value, value != "photo" else { return }
        if value == "video" { throw APIError.badRequest("only photo content is supported: Vigil hashes still images", code: "unsupported_content_type") }
        throw APIError.badRequest("unknown content_type '\(value.prefix(40))' (expected photo)", code: "invalid_parameter")
    }

    /// HMA returns an empty PDQ when its quality is under the gate.
    static func hmaSignals(_ signals: ContentSignals, types: String?) throws -> [String: String] {
        let wanted = types.map { Set($0.split(separator: ",").map { String($0) }) } ?? ["pdq"]
        if let unknown = wanted.first(where: { !signalTypes.contains($0) }) {
            throw APIError.badRequest("No such SignalType '\(unknown.prefix(40))'", code: "invalid_signal_type")
        }
        var out: [String: String] = [:]
        if wanted.contains("pdq") {
            out["pdq"] = signals.quality < PDQResult.defaultQualityThreshold || signals.isTooSmallForPDQ ? "" : signals.pdq.hex
        }
        if wanted.contains("md5") { out["md5"] = signals.md5 }
        if wanted.contains("sha256") { out["sha256"] = signals.sha256 }
        return out
    }

    func fetchAndHash(_ request: Request) async throws -> ContentSignals {
        try Self.checkContentType(request.query("content_type"))
        guard let url = request.query("url"), !url.isEmpty else { throw APIError.badRequest("url is required", code: "missing_parameter") }
        let fetched = try await fetcher.fetch(url)
        return try await lookup.hash(fetched.bytes, dihedral: false)
    }

    /// The uploaded file of a multipart body: HMA names the field after the content type (`photo=@x.jpg`).
    func uploadAndHash(_ request: Request) async throws -> ContentSignals {
        try await lookup.hash(try await uploadedFile(request), dihedral: false)
    }

    func uploadedFile(_ request: Request) async throws -> [UInt8] {
        let body = try await request.collectBody(limit: settings.maxBodyBytes)
        guard case let .multipart(type) = BodyKind(request) else {
            throw APIError.badRequest("send the file as multipart/form-data, field \"photo\"", code: "missing_file")
        }
        let parts = try MultipartForm.parse(body, contentType: type)
        guard let part = parts.first(where: { $0.filename != nil }) ?? parts.first else {
            throw APIError.badRequest("no file in the upload", code: "missing_file")
        }
        try Self.checkContentType(part.name)
        guard part.body.readableBytes > 0 else { throw APIError.badRequest("the uploaded file is empty", code: "empty") }
        return part.bytes
    }

    func hashURL(_ request: Request) async throws -> Response {
        let signals = try await fetchAndHash(request)
        return try JSONText.response(try Self.hmaSignals(signals, types: request.query("types")))
    }

    func hashUpload(_ request: Request) async throws -> Response {
        let signals = try await uploadAndHash(request)
        return try JSONText.response(try Self.hmaSignals(signals, types: request.query("types")))
    }

    // MARK: matching

    func banksFilter(_ request: Request) -> [String]? {
        request.query("banks").map { $0.split(separator: ",").map { String($0) } }
    }

    /// `{BANK: [{"bank_content_id": id, "distance": "d"}]}`, written directly: this is the hot path.
    /// Suppressed hits are left out, as the other APIs leave them out of their verdict.
    static func byBank(_ matches: [LookupMatch]) -> String {
        var grouped: [(String, [LookupMatch])] = []
        for match in matches {
            if let i = grouped.firstIndex(where: { $0.0 == match.bank.name }) {
                grouped[i].1.append(match)
            } else {
                grouped.append((match.bank.name, [match]))
            }
        }
        var out = "{"
        for (i, (bank, hits)) in grouped.enumerated() {
            if i > 0 { out += "," }
            out += JSONText.quote(bank) + ":["
            out += hits.map { #"{"bank_content_id":\#($0.entryID),"distance":"\#($0.distance)"}"# }.joined(separator: ",")
            out += "]"
        }
        return out + "}"
    }

    /// An image lookup's answer by signal type. HMA's photo content type has one, PDQ; the verdict
    /// behind it is the lookup service's, allow rule included (`AllowRule`).
    static func bySignal(_ outcome: LookupOutcome) -> String {
        #"{"pdq":"# + byBank(outcome.matches.filter { $0.signals.contains(.pdq) }) + "}"
    }

    func input(signalType: String, signal: String) throws -> LookupRequest.Input {
        switch signalType {
        case "pdq": return .signals(pdq: try SignalText.pdq(signal, field: "signal"), md5: nil, sha256: nil)
        case "md5": return .signals(pdq: nil, md5: try SignalText.digest(signal, length: 32, field: "signal"), sha256: nil)
        case "sha256": return .signals(pdq: nil, md5: nil, sha256: try SignalText.digest(signal, length: 64, field: "signal"))
        default: throw APIError.badRequest("No such SignalType '\(signalType.prefix(40))'", code: "invalid_signal_type")
        }
    }

    /// `caller` is kept with what the lookup screened (retroactive matching).
    func lookup(_ input: LookupRequest.Input, _ request: Request, caller: String) async throws -> LookupOutcome {
        // HMA answers an unknown bank in `banks` with no hits from it, not with an error.
        var lookup = LookupRequest(input: input, api: .hma, banks: banksFilter(request), includeEntries: false)
        lookup.ignoreUnknownBanks = true
        lookup.origin.caller = caller
        return try await self.lookup.lookup(lookup)
    }

    func lookupGet(_ request: Request, caller: String) async throws -> Response {
        try readiness.requireReadyNow()
        if let url = request.query("url"), !url.isEmpty {
            try Self.checkContentType(request.query("content_type"))
            let outcome = try await lookup(.image(try await fetcher.fetch(url).bytes), request, caller: caller)
            // With signal_type given, HMA elides the outer object.
            if request.query("signal_type") == "pdq" { return JSONText.response(Self.byBank(outcome.matches.filter { $0.signals.contains(.pdq) })) }
            return JSONText.response(Self.bySignal(outcome))
        }
        guard let signal = request.query("signal"), let signalType = request.query("signal_type") else {
            throw APIError.badRequest("Either url or both signal and signal_type are required", code: "missing_parameter")
        }
        let outcome = try await lookup(try input(signalType: signalType, signal: signal), request, caller: caller)
        return JSONText.response(Self.byBank(outcome.matches))
    }

    func lookupPost(_ request: Request, caller: String) async throws -> Response {
        // The lookup waits for a loading index after reading and hashing the upload.
        let outcome = try await lookup(.image(try await uploadedFile(request)), request, caller: caller)
        return JSONText.response(Self.bySignal(outcome))
    }

    func rawLookup(_ request: Request, caller: String) async throws -> Response {
        try readiness.requireReadyNow()
        guard let signal = request.query("signal") else { throw APIError.badRequest("signal is required", code: "missing_parameter") }
        guard let signalType = request.query("signal_type") else { throw APIError.badRequest("signal_type is required", code: "missing_parameter") }
        let withDistance = try Flag.parse(request.query("include_distance"), name: "include_distance") ?? false
        let outcome = try await lookup(try input(signalType: signalType, signal: signal), request, caller: caller)
        let items = outcome.matches.map { hit in
            withDistance ? #"{"bank_content_id":\#(hit.entryID),"distance":"\#(hit.distance)"}"# : String(hit.entryID)
        }
        return JSONText.response(#"{"matches":["# + items.joined(separator: ",") + "]}")
    }

    func compare(_ request: Request) async throws -> Response {
        let object = try JSONInput.object(from: try await request.collectBody(limit: 64 * 1024))
        var out: [String: JSONValue] = [:]
        for (signalType, value) in object {
            guard let pair = value.array else { throw APIError.badRequest("Comparison hashes for \(signalType) was not a list") }
            guard pair.count == 2, let left = pair[0].string, let right = pair[1].string else {
                throw APIError.badRequest("Comparison hash list length must be exactly 2")
            }
            switch signalType {
            case "pdq":
                let a = try SignalText.pdq(left, field: "pdq[0]"), b = try SignalText.pdq(right, field: "pdq[1]")
                let distance = a.distance(to: b)
                out[signalType] = .array([.bool(distance <= Bank.defaultPDQThreshold), .object(["distance": .number(Double(distance))])])
            case "md5", "sha256":
                let length = signalType == "md5" ? 32 : 64
                let a = try SignalText.digest(left, length: length, field: "\(signalType)[0]")
                let b = try SignalText.digest(right, length: length, field: "\(signalType)[1]")
                out[signalType] = .array([.bool(a == b), .object(["distance": .number(a == b ? 0 : 1)])])
            default:
                throw APIError.badRequest("No such SignalType '\(signalType.prefix(40))'", code: "invalid_signal_type")
            }
        }
        return JSONText.response(JSONValue.object(out).text)
    }

    func indexStatus(_ request: Request) throws -> Response {
        let counts = banks.index.counts
        var types = Self.signalTypes
        if let only = request.query("signal_type") {
            guard types.contains(only) else { throw APIError.badRequest("No such signal type '\(only.prefix(40))'", code: "invalid_signal_type") }
            types = [only]
        }
        let ready = readiness.isReady
        let builtTo = ready ? Int(readiness.readySince?.timeIntervalSince1970 ?? 0) : -1
        let parts = types.map { type in
            let size = type == "pdq" ? counts.pdq : type == "md5" ? counts.md5 : counts.sha256
            return JSONText.quote(type) + #":{"built_to":\#(builtTo),"present":\#(ready),"size":\#(ready ? size : 0)}"#
        }
        return JSONText.response("{" + parts.joined(separator: ",") + "}")
    }
}
