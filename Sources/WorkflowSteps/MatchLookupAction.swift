import Foundation
public import Integrations
public import JSONValues
import Lookup
import IntegrationClients
import SafeFetch
public import Workflows

/// The `match_lookup` step of any provider (`photodna`, `vigil`): the step's inputs become a
/// `MatchLookupInput`, the provider's `MatchLookupResult` the step's output, field for field as
/// the catalogue declares it. A lookup has no side effect but keeping the matched image (by its
/// SHA-256, so once), so a retry simply asks again.
public struct MatchLookupAction: WorkflowAction {
    public let key: String
    let provider: any MatchLookupProvider
    let credentials: CredentialService?

    public init(provider: any MatchLookupProvider, credentials: CredentialService?) {
        self.key = "\(provider.integration).match_lookup"
        self.provider = provider
        self.credentials = credentials
    }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        let image = try StepImage.given(call)
        let format = MatchLookupInput.ValueFormat(rawValue: call.text("value_format") ?? "URL") ?? .url
        let banks = call.inputs["banks"]?.array?.compactMap(\.string)
        var credential: OpenedCredential?
        if let id = call.credential { credential = try await open(id) }
        let result: MatchLookupResult
        do {
            var input = MatchLookupInput(image: image, valueFormat: format, enhanced: call.bool("enhanced_detection") ?? false,
                                         banks: banks, isTrial: call.isTrial)
            input.runID = call.isTrial ? nil : call.runID
            input.accountReference = call.text("account_reference_id")
            result = try await provider.matchLookup(input, credential: credential)
        } catch let error as PhotoDNAError {
            if error.isTransient { throw error }
            throw ActionFailure(error.description)
        } catch let error as LookupError {
            switch error {
            case .busy, .notReady, .shuttingDown, .unrecorded: throw error
            case .invalid, .unknownBank: throw ActionFailure(error.description)
            }
        } catch let error as FetchError {
            throw StepFetchFailure.classify(error)
        }
        // Asked to (keep_image), the bytes that matched are kept with the run, so the case step's
        // evidence is this image and not a second fetch of its URL (which may answer with
        // something else). Only on a match: an image that matched nothing is not kept.
        let keep = result.isMatch && !call.isTrial && call.bool("keep_image") == true
        let kept: String? = if keep, let bytes = result.examined { try await call.images.keep(bytes) } else { nil }
        return Self.output(result, imageSHA256: kept)
    }

    func open(_ id: String) async throws -> OpenedCredential {
        guard let credentials else { throw ActionFailure("no credential vault in this process") }
        do { return try await credentials.open(id: id) } catch { throw ActionFailure("credential \(id): \(error)") }
    }

    static func output(_ result: MatchLookupResult, imageSHA256: String? = nil) -> JSONValue {
        let raw = (try? JSONDecoder().decode(JSONValue.self, from: Data(result.raw.utf8))) ?? .string(result.raw)
        func match(_ match: MatchLookupResult.Match) -> [String: JSONValue] {
            ["source": .string(match.source), "distance": match.distance.map { .number(Double($0)) } ?? .null,
             "match_id": match.matchID.map(JSONValue.string) ?? .null]
        }
        return .object([
            "is_match": .bool(result.isMatch),
            "matches": .array(result.matches.map { item in
                var object = match(item)
                object["violations"] = .array(item.violations.map(JSONValue.string))
                return .object(object)
            }),
            "suppressed": .array(result.suppressed.map { item in
                var object = match(item.match)
                object["suppressed_by"] = .object(match(item.by))
                return .object(object)
            }),
            "tracking_id": result.trackingID.map(JSONValue.string) ?? .null,
            "status_code": .number(Double(result.statusCode)),
            "status_description": .string(result.statusDescription),
            "raw": raw,
            "image_sha256": imageSHA256.map(JSONValue.string) ?? .null,
        ])
    }
}

/// A fetch error as a step sees it: worth another try (the origin was down or slow) or not (the
/// URL is refused, or is not an image).
enum StepFetchFailure {
    static func classify(_ error: FetchError) -> any Error {
        switch error {
        case .timedOut, .connection, .resolution: error
        case let .httpStatus(status) where status >= 500 || status == 429: error
        default: ActionFailure("the image could not be fetched: \(error.description)")
        }
    }
}
