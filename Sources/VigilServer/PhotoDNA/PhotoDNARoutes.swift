import ImageSignals
import JSONValues
import Banks
import ContentHashing
import Foundation
import Hummingbird
import Lookup
import ImageCodecs
import NIOCore
import SafeFetch

/// Microsoft PhotoDNA Cloud Service's Match operation, answered from Vigil's banks: an existing
/// PhotoDNA client works by changing its base URL. PDQ stands in for the PhotoDNA hash.
struct PhotoDNARoutes {
    let lookup: LookupService
    let fetcher: SafeURLFetcher
    let settings: ServerSettings
    let readiness: IndexReadiness

    /// PhotoDNA's status codes (its documented descriptions, verbatim).
    enum Status: Int {
        case ok = 3000
        case invalidParameter = 3002
        case unknownError = 3004
        case notAnImage = 3206
        case sizeOutOfRange = 3208

        var description: String {
            switch self {
            case .ok: "OK"
            case .invalidParameter: "Invalid or missing request parameter(s)"
            case .unknownError: "Unknown scenario or unhandled error occurred while processing request"
            case .notAnImage: "The given file could not be verified as an image"
            case .sizeOutOfRange: "Image size in pixels is not within allowed range (minimum size is 160x160 pixels; maximum size is 4MB)"
            }
        }
    }

    struct Failure: Error {
        let status: Status
        let detail: String
    }

    static let acceptedTypes: Set<String> = ["image/gif", "image/jpeg", "image/jpg", "image/png", "image/bmp", "image/tiff"]
    static let acceptedFormats: Set<ImageFormat> = [.gif, .jpeg, .png, .bmp, .tiff]

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("photodna/v1.0/Match") { request, context in await match(request, context) }
    }

    func match(_ request: Request, _ context: VigilRequestContext) async -> Response {
        let trackingID = "VGL_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        do {
            let enhanced: Bool
            do {
                enhanced = try Flag.parse(request.query("enhance"), name: "enhance") ?? false
            } catch {
                throw Failure(status: .invalidParameter, detail: "enhance must be true or false")
            }
            let bytes = try await image(request)
            guard bytes.count <= settings.photoDNAMaximumBytes else {
                throw Failure(status: .sizeOutOfRange, detail: "the image is \(bytes.count) bytes; the maximum is \(settings.photoDNAMaximumBytes)")
            }
            let signals: ContentSignals
            do {
                signals = try await lookup.hash(bytes, dihedral: enhanced)
            } catch let error as ImageDecodingError {
                switch error {
                case .tooManyPixels, .tooManyBytes: throw Failure(status: .sizeOutOfRange, detail: error.description)
                default: throw Failure(status: .notAnImage, detail: error.description)
                }
            }
            guard Self.acceptedFormats.contains(signals.format) else {
                throw Failure(status: .notAnImage, detail: "\(signals.format.rawValue.uppercased()) is not one of PhotoDNA's formats (GIF, JPEG, PNG, BMP, TIFF)")
            }
            let minimum = settings.photoDNAMinimumSide
            guard signals.width >= minimum, signals.height >= minimum else {
                throw Failure(status: .sizeOutOfRange, detail: "the image is \(signals.width)×\(signals.height); the minimum is \(minimum)×\(minimum)")
            }
            // The image stays in memory while a loading index is waited for: it counts in the budget.
            try await lookup.waitUntilReady(imageBytes: bytes.count)
            var lookupRequest = LookupRequest(input: .hashed(signals), api: .photodna, enhanced: enhanced)
            lookupRequest.origin.caller = context.actor
            let outcome = try await lookup.lookup(lookupRequest)
            return try JSONText.response(PhotoDNAResponse(status: .ok, exception: nil, isMatch: outcome.isMatch,
                                                          flags: Self.flags(outcome), trackingID: trackingID))
        } catch let failure as Failure {
            return Self.failure(failure, trackingID: trackingID)
        } catch let error as LookupError {
            // Busy or loading: 3004 with 503, which PhotoDNA clients retry.
            var response = Self.failure(Failure(status: .unknownError, detail: error.description), trackingID: trackingID)
            if case let .busy(seconds) = error { response.headers[.retryAfter] = String(seconds) }
            return response
        } catch {
            context.logger.error("photodna match failed", metadata: ["request_id": .string(context.requestID),
                                                                     "error": .string(String(describing: error).prefix(300).description)])
            return (try? JSONText.response(PhotoDNAResponse(status: .unknownError, exception: "request \(context.requestID) failed",
                                                            isMatch: false, flags: nil, trackingID: trackingID), status: .internalServerError))
                ?? JSONText.response("{}", status: .internalServerError)
        }
    }

    /// A PhotoDNA status as its response: 3004 (retry) travels with HTTP 503, the rest with 200.
    static func failure(_ failure: Failure, trackingID: String) -> Response {
        let httpStatus: HTTPResponse.Status = failure.status == .unknownError ? .serviceUnavailable : .ok
        return (try? JSONText.response(PhotoDNAResponse(status: failure.status, exception: failure.detail, isMatch: false, flags: nil,
                                                        trackingID: trackingID), status: httpStatus))
            ?? JSONText.response("{}", status: .internalServerError)
    }

    /// The image bytes from a raw body or a JSON `{"DataRepresentation", "Value"}` (keys and
    /// representation matched case-insensitively, as Microsoft's own samples rely on).
    func image(_ request: Request) async throws -> [UInt8] {
        // Read a little past PhotoDNA's limit so an oversize image is reported as 3208, not cut.
        let hardLimit = max(settings.photoDNAMaximumBytes * 2 + 1024, 64 * 1024)
        let body: ByteBuffer
        do {
            body = try await request.collectBody(limit: hardLimit)
        } catch let error as APIError where error.status == .contentTooLarge {
            throw Failure(status: .sizeOutOfRange, detail: "the request body is over \(settings.photoDNAMaximumBytes) bytes")
        }
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        switch type {
        case "application/json"?:
            // Only Value (an inline image, base64) may make the body larger than JSON bodies are
            // elsewhere: anything else that large is work for nothing.
            if body.readableBytes > settings.maxJSONBytes,
               JSONInput.bytesOutsideLongestString(body) > settings.maxJSONBytes {
                throw Failure(status: .invalidParameter,
                              detail: "the JSON body is over \(settings.maxJSONBytes) bytes (max_json_bytes) outside its Value")
            }
            let object: [String: JSONValue]
            do {
                object = try JSONInput.object(from: body)
            } catch let error as APIError {
                throw Failure(status: .invalidParameter, detail: error.message)
            }
            let fields = Dictionary(object.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            guard let representation = fields["datarepresentation"]?.string else {
                throw Failure(status: .invalidParameter, detail: "DataRepresentation is required (\"URL\" or \"Inline\")")
            }
            guard let value = fields["value"]?.string, !value.isEmpty else { throw Failure(status: .invalidParameter, detail: "Value is required") }
            switch representation.lowercased() {
            case "url":
                return try await fetch(value)
            case "inline":
                do {
                    return try SignalText.base64(value, field: "Value")
                } catch {
                    throw Failure(status: .invalidParameter, detail: "Value is not valid base64")
                }
            case "hash":
                throw Failure(status: .invalidParameter, detail: "PhotoDNA hashes cannot be matched here: Vigil matches images (send URL or Inline)")
            default:
                throw Failure(status: .invalidParameter, detail: "DataRepresentation must be \"URL\" or \"Inline\", not \"\(representation.prefix(40))\"")
            }
        case let type? where Self.acceptedTypes.contains(type):
            guard body.readableBytes > 0 else { throw Failure(status: .invalidParameter, detail: "the request body is empty") }
            return Array(body.readableBytesView)
        case let type? where type.hasPrefix("image/"):
            throw Failure(status: .notAnImage, detail: "Content-Type \(type) is not one of image/gif, image/jpeg, image/png, image/bmp, image/tiff")
        default:
            throw Failure(status: .invalidParameter,
                          detail: "Content-Type must be application/json or image/gif|jpeg|png|bmp|tiff, not \(type ?? "missing")")
        }
    }

    /// A URL's bytes; fetch failures become PhotoDNA's codes (the fetcher's message as Exception).
    func fetch(_ url: String) async throws -> [UInt8] {
        let outcome: Result<[UInt8], FetchError>
        do {
            outcome = .success(try await fetcher.fetch(url, maxBytes: settings.photoDNAMaximumBytes).bytes)
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case let .success(bytes):
            return bytes
        case let .failure(error):
            // Only what may pass by itself is 3004 (which clients retry): a timeout, a refused
            // connection, an origin's 5xx. A 404, an unknown host or a non-image stays wrong.
            let status: Status = switch error {
            case .tooLarge: .sizeOutOfRange
            case .notAnImage: .notAnImage
            case .timedOut, .connection: .unknownError
            case let .httpStatus(code) where code >= 500 || code == 429: .unknownError
            default: .invalidParameter
            }
            throw Failure(status: status, detail: error.description)
        }
    }

    /// One flag per matched bank: its closest entry, with that entry's classification (else the bank's).
    static func flags(_ outcome: LookupOutcome) -> [PhotoDNAResponse.MatchFlag] {
        var seen = Set<String>()
        return outcome.matches.compactMap { hit in
            guard seen.insert(hit.bank.name).inserted else { return nil }
            return PhotoDNAResponse.MatchFlag(matchID: String(hit.entryID), source: hit.bank.name, violations: hit.violations,
                                              distance: hit.distance)
        }
    }
}
