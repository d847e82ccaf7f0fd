import Foundation
import Integrations
public import JSONValues
public import Lookup
public import SafeFetch
public import Workflows

/// `vigil.hash`: an image's PDQ (with its quality), MD5 and SHA-256, on the hashing pool.
public struct HashAction: WorkflowAction {
    public let key = "vigil.hash"
    let lookup: LookupService
    let fetcher: SafeURLFetcher

    public init(lookup: LookupService, fetcher: SafeURLFetcher) {
        self.lookup = lookup
        self.fetcher = fetcher
    }

    public func perform(_ call: ActionCall) async throws -> JSONValue {
        let bytes = try await StepImage.bytes(call, fetcher: fetcher)
        let signals = try await lookup.hash(bytes)
        return .object(["pdq": signals.usablePDQ.map { .string($0.hex) } ?? .null, "pdq_quality": .number(Double(signals.quality)),
                        "md5": .string(signals.md5), "sha256": .string(signals.sha256)])
    }
}

/// The image a step names: `image_url`, or `image` (base64).
enum StepImage {
    static func given(_ call: ActionCall) throws -> MatchLookupInput.Image {
        if let url = call.text("image_url") { return .url(url) }
        if let base64 = call.text("image") {
            guard let data = Data(base64Encoded: base64) else { throw ActionFailure("image is not base64") }
            return .bytes(Array(data))
        }
        throw ActionFailure("\(call.stepID) needs image_url or image (the template rendered neither)")
    }

    /// The image's bytes, a URL fetched through the safe fetcher.
    static func bytes(_ call: ActionCall, fetcher: SafeURLFetcher) async throws -> [UInt8] {
        switch try given(call) {
        case let .bytes(bytes): return bytes
        case let .url(url):
            do { return try await fetcher.fetch(url).bytes } catch { throw StepFetchFailure.classify(error) }
        }
    }
}
