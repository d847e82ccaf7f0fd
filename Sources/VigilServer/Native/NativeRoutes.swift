import SafeFetch
import Basics
import JSONValues
import Banks
import ContentHashing
import Foundation
import Hummingbird
import Lookup
import NIOCore
import PDQ

/// `POST /v1/hash` and `POST /v1/match`.
struct NativeRoutes {
    let lookup: LookupService
    let fetcher: SafeURLFetcher
    let settings: ServerSettings
    let readiness: IndexReadiness
    let banks: BankService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("hash") { request, context in try await hash(request, context) }
        routes.post("match") { request, context in try await match(request, context) }
    }

    /// The body of a JSON request to either route.
    struct JSONBody: Decodable {
        var url: String?
        var base64: String?
        var pdq: String?
        var md5: String?
        var sha256: String?
        var enhanced: Bool?
        var banks: [String]?
        /// Read as any JSON value so that 1e30 or a 23-digit number is "out of range", not "not JSON".
        var threshold: JSONValue?
    }

    /// A request reduced to what it asks: an image (with where it came from) or bare signals, plus options.
    struct Input {
        var image: [UInt8]?
        var source = "upload"
        var fetchTime: Duration?
        var pdq: PDQHash?
        var md5: String?
        var sha256: String?
        var enhanced = false
        var banks: [String]?
        var threshold: Int?
        /// Who the lookup is for (kept with what it screened, for retroactive matching).
        var origin = LookupOrigin()
    }

    func input(_ request: Request, signalsAllowed: Bool) async throws -> Input {
        var input = Input()
        input.enhanced = try Flag.parse(request.query("enhanced"), name: "enhanced") ?? false
        input.banks = request.query("banks").map { $0.split(separator: ",").map { String($0) } }
        if let account = request.query("account_reference_id") {
            guard !account.isEmpty, account.count <= 200, !ControlCharacters.found(in: account) else {
                throw APIError.badRequest("account_reference_id is your own id of the uploading account: 1 to 200 characters, no control characters")
            }
            input.origin.accountReference = account
        }
        if let text = request.query("threshold") { input.threshold = try Threshold.parse(text) }
        let body = try await request.collectBody(settings)
        switch BodyKind(request) {
        case .image:
            input.image = Array(body.readableBytesView)
        case let .multipart(contentType):
            let parts = try MultipartForm.parse(body, contentType: contentType)
            guard let file = parts.first(where: { $0.filename != nil || ["image", "file", "photo"].contains($0.name ?? "") }) else {
                throw APIError.badRequest("the multipart body has no file part (send the image as field \"image\")", code: "missing_image")
            }
            input.image = file.bytes
            for part in parts where part.filename == nil {
                switch part.name {
                case "enhanced": input.enhanced = try Flag.parse(part.text, name: "enhanced") ?? false
                case "banks": input.banks = part.text.split(separator: ",").map { String($0) }
                case "threshold":
                    input.threshold = try Threshold.parse(part.text)
                default: break
                }
            }
        case .json:
            let json = try JSONInput.decode(JSONBody.self, from: body)
            if let enhanced = json.enhanced { input.enhanced = enhanced }
            if let banks = json.banks { input.banks = banks }
            if let threshold = json.threshold, threshold != .null { input.threshold = try Threshold.parse(threshold) }
            let given = [json.url != nil, json.base64 != nil, json.pdq != nil || json.md5 != nil || json.sha256 != nil].filter { $0 }.count
            guard given == 1 else {
                throw APIError.badRequest("give exactly one of \"url\", \"base64\" or signals (\"pdq\", \"md5\", \"sha256\")", code: "missing_image")
            }
            if let url = json.url {
                let start = ContinuousClock.now
                input.image = try await fetcher.fetch(url).bytes
                input.fetchTime = start.duration(to: .now)
                input.source = "url"
            } else if let text = json.base64 {
                input.image = try SignalText.base64(text, field: "base64")
                input.source = "base64"
            } else {
                guard signalsAllowed else { throw APIError.badRequest("this route hashes images: send an image, not signals", code: "missing_image") }
                input.pdq = try json.pdq.map { try SignalText.pdq($0) }
                input.md5 = try json.md5.map { try SignalText.digest($0, length: 32, field: "md5") }
                input.sha256 = try json.sha256.map { try SignalText.digest($0, length: 64, field: "sha256") }
                input.source = "signals"
            }
        case .none:
            throw APIError.badRequest("send an image (image/* body or multipart) or a JSON object; Content-Type is missing", code: "missing_image")
        case let .other(type):
            throw APIError(.unsupportedMediaType, "unsupported_content_type",
                           "Content-Type \(type) is not accepted: send image/*, multipart/form-data or application/json")
        }
        if let image = input.image, image.isEmpty { throw APIError.badRequest("the image is empty", code: "empty") }
        return input
    }

    func hash(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let input = try await input(request, signalsAllowed: false)
        let hashStart = ContinuousClock.now
        let image = input.image ?? []
        let signals = try await lookup.hash(image, dihedral: input.enhanced)
        let hashTime = hashStart.duration(to: .now)
        return try JSONText.response(HashResponse(
            signals: SignalsJSON(signals), image: ImageJSON(signals, bytes: image.count, source: input.source),
            timingsMS: TimingsJSON(fetch: input.fetchTime?.milliseconds, hash: hashTime.milliseconds, match: nil,
                                   total: start.duration(to: .now).milliseconds)))
    }

    func match(_ request: Request, _ context: VigilRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        // The lookup waits for a loading index after the body is read and hashed.
        var input = try await input(request, signalsAllowed: true)
        input.origin.caller = context.actor
        return try JSONText.response(try await answer(input, since: start))
    }

    /// The answer of `/v1/match` to `input`; the dashboard's "Try an image" shows it as it is.
    func answer(_ input: Input, since start: ContinuousClock.Instant) async throws -> MatchResponse {
        let lookupInput: LookupRequest.Input = input.image.map { .image($0) } ?? .signals(pdq: input.pdq, md5: input.md5, sha256: input.sha256)
        var request = LookupRequest(input: lookupInput, api: .native, enhanced: input.enhanced, banks: input.banks, threshold: input.threshold)
        request.origin = input.origin
        let outcome = try await lookup.lookup(request)
        return MatchResponse(
            signals: outcome.signals.map(SignalsJSON.init) ?? SignalsJSON(pdq: input.pdq, md5: input.md5, sha256: input.sha256),
            image: outcome.signals.map { ImageJSON($0, bytes: input.image?.count ?? 0, source: input.source) },
            isMatch: outcome.isMatch, matches: outcome.matches.map(HitJSON.init), suppressed: outcome.suppressed.map(HitJSON.init),
            allowedBy: outcome.allowedBy.map(HitJSON.init), pdqBelowQualityGate: outcome.pdqBelowQualityGate, enhanced: input.enhanced,
            timingsMS: TimingsJSON(fetch: input.fetchTime?.milliseconds, hash: outcome.timings.hash?.milliseconds,
                                   match: outcome.timings.match.milliseconds, total: start.duration(to: .now).milliseconds))
    }
}
