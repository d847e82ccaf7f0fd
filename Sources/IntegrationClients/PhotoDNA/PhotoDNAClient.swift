import Basics
import AsyncHTTPClient
import Foundation
import JSONValues
public import Integrations
package import NIOCore
import NIOHTTP1
public import SafeFetch

/// Calls Microsoft's PhotoDNA Match API with a stored credential: the subscription key in
/// `Ocp-Apim-Subscription-Key`, JSON `{"DataRepresentation", "Value"}` with an image URL or the
/// image inline (fetched through the safe fetcher, sent base64), `?enhance=true` when asked.
/// Calls with one credential are paced at its requests per second, process-wide; failures that
/// may pass (5xx, 3004, timeouts, 429) are retried with backoff, honouring `Retry-After`.
public final class PhotoDNAClient: Sendable {
    public struct Request: Sendable {
        public enum Image: Sendable {
            /// PhotoDNA fetches the image itself.
            case url(String)
            /// Vigil fetches the image and sends its bytes.
            case inlineFromURL(String)
            /// The bytes are sent as they are.
            case inline([UInt8])
        }

        public var image: Image
        /// Also match mirrored and rotated copies (PhotoDNA's "enhanced detection").
        public var enhanced: Bool

        public init(image: Image, enhanced: Bool = false) {
            self.image = image
            self.enhanced = enhanced
        }
    }

    /// A Match that PhotoDNA answered with 3000.
    public struct Answer: Sendable {
        public var result: MatchLookupResult
        /// Calls made, the first included.
        public var attempts: Int
    }

    let gate: OutboundGate
    let fetcher: SafeURLFetcher
    let pacers: RequestPacers
    let retry: RetryPolicy
    /// The longest one call may take, answer included.
    let timeout: Duration

    /// Every call goes through `fetcher`'s outbound gate (the image fetches too).
    public init(fetcher: SafeURLFetcher, pacers: RequestPacers = RequestPacers(),
                retry: RetryPolicy = RetryPolicy(), timeout: Duration = .seconds(30)) {
        self.gate = fetcher.gate
        self.fetcher = fetcher
        self.pacers = pacers
        self.retry = retry
        self.timeout = timeout
    }

    public static let defaultEndpoint = "https://api.microsoftmoderator.com/photodna/v1.0"

    public func match(_ request: Request, with credential: OpenedCredential, retry: RetryPolicy? = nil) async throws(PhotoDNAError) -> Answer {
        let policy = retry ?? self.retry
        let target = try Target(credential)
        let body = try await body(for: request.image)
        let pacer = pacers.pacer(for: credential.id, ratePerSecond: target.ratePerSecond)
        var attempt = 1
        while true {
            do { try await pacer.waitForSlot() } catch { throw .connection("cancelled") }
            let outcome = await send(body, to: target, enhanced: request.enhanced)
            let failure: PhotoDNAError, wait: Duration?
            switch outcome {
            case let .answer(result): return Answer(result: result, attempts: attempt)
            case let .failed(error): throw error
            case let .retry(error, after): (failure, wait) = (error, after)
            }
            guard attempt < policy.attempts else { throw failure }
            let delay = wait ?? policy.backoff(after: attempt)
            // A wait longer than the policy allows ends the call with the provider's answer.
            guard delay <= policy.maxDelay else { throw failure }
            if case .rateLimited = failure { pacer.holdUntil(.now + delay) }
            do { try await Task.sleep(for: delay) } catch { throw .connection("cancelled") }
            attempt += 1
        }
    }

    /// The endpoint, key and rate a credential holds.
    struct Target {
        var matchURL: String
        var key: String
        var ratePerSecond: Int

        init(_ credential: OpenedCredential) throws(PhotoDNAError) {
            guard credential.integration == "photodna" else {
                throw .invalidCredential("credential \(credential.id) is for \(credential.integration), not photodna")
            }
            var endpoint = credential.values["endpoint"] ?? PhotoDNAClient.defaultEndpoint
            while endpoint.hasSuffix("/") { endpoint.removeLast() }
            guard URL(string: endpoint)?.host != nil else { throw .invalidCredential("its endpoint is not a URL") }
            matchURL = endpoint + "/Match"
            do { key = try credential.secret("subscription_key") } catch { throw .invalidCredential("it has no subscription key") }
            ratePerSecond = credential.values["requests_per_second"].flatMap(Int.init).map { max(1, $0) } ?? 5
        }
    }

    func body(for image: Request.Image) async throws(PhotoDNAError) -> [UInt8] {
        let representation: String, value: String
        switch image {
        case let .url(url):
            guard URL(string: url)?.scheme.map({ ["http", "https"].contains($0.lowercased()) }) == true else {
                throw .invalidRequest("image_url \"\(url.prefix(120))\" is not an http(s) URL")
            }
            (representation, value) = ("URL", url)
        case let .inlineFromURL(url):
            let fetched: FetchedContent
            do { fetched = try await fetcher.fetch(url) } catch { throw .imageFetch(error) }
            (representation, value) = ("Inline", Data(fetched.bytes).base64EncodedString())
        case let .inline(bytes):
            guard !bytes.isEmpty else { throw .invalidRequest("the image is empty") }
            (representation, value) = ("Inline", Data(bytes).base64EncodedString())
        }
        return Array(JSONValue.object(["DataRepresentation": .string(representation), "Value": .string(value)]).text.utf8)
    }

    package enum Outcome {
        case answer(MatchLookupResult)
        case retry(PhotoDNAError, after: Duration?)
        case failed(PhotoDNAError)
    }

    func send(_ body: [UInt8], to target: Target, enhanced: Bool) async -> Outcome {
        let headers = [("Ocp-Apim-Subscription-Key", target.key), ("Content-Type", "application/json"), ("Accept", "application/json"),
                       ("User-Agent", fetcher.policy.userAgent)]
        let answer: HTTPCall.Answer
        do {
            answer = try await HTTPCall.perform(gate, .POST, target.matchURL + (enhanced ? "?enhance=true" : ""), headers: headers,
                                                body: body, timeout: timeout, integration: "photodna")
        } catch {
            switch error {
            case .timedOut: return .retry(.timedOut(seconds: timeout.seconds), after: nil)
            case .tooLarge: return .failed(.malformedResponse(httpStatus: 200, reason: "the answer is over 1 MiB"))
            case let .connection(reason): return .retry(.connection(reason), after: nil)
            case let .refused(refusal): return .failed(.refused(refusal))
            }
        }
        return Self.interpret(status: answer.status, retryAfter: answer.headers.first(name: "Retry-After"), body: answer.body)
    }

    /// What an HTTP answer means: PhotoDNA's own status when the body has one, else the HTTP status.
    package static func interpret(status: Int, retryAfter: String?, body: ByteBuffer) -> Outcome {
        switch status {
        case 401: return .failed(.unauthorized)
        case 403: return .failed(.forbidden(PhotoDNAResponseText.message(body)))
        case 429:
            let wait = RetryAfter.parse(retryAfter)
            return .retry(.rateLimited(retryAfter: wait), after: wait)
        default: break
        }
        let decoded: PhotoDNAMatchResponse
        do {
            decoded = try JSONDecoder().decode(PhotoDNAMatchResponse.self, from: Data(body.readableBytesView))
        } catch {
            if status >= 500 { return .retry(.serverError(httpStatus: status), after: nil) }
            if status != 200 { return .failed(.unexpectedStatus(status)) }
            return .failed(.malformedResponse(httpStatus: status, reason: PhotoDNAResponseText.decodingProblem(error)))
        }
        let code = decoded.status.code
        guard code == 3000 else {
            let error = PhotoDNAError.status(code: code, description: decoded.status.description ?? "no description",
                                             exception: decoded.status.exception, trackingID: decoded.trackingID)
            return code == 3004 ? .retry(error, after: RetryAfter.parse(retryAfter)) : .failed(error)
        }
        guard status == 200 else { return .failed(.unexpectedStatus(status)) }
        return .answer(normalise(decoded, raw: String(buffer: body)))
    }

    static func normalise(_ response: PhotoDNAMatchResponse, raw: String) -> MatchLookupResult {
        let matches = (response.matchDetails?.matchFlags ?? []).map { flag in
            MatchLookupResult.Match(source: flag.source ?? "unknown", violations: flag.violations ?? [], distance: flag.matchDistance,
                                    matchID: flag.matchID)
        }
        return MatchLookupResult(isMatch: response.isMatch ?? !matches.isEmpty, matches: matches, trackingID: response.trackingID,
                                 statusCode: response.status.code, statusDescription: response.status.description ?? "OK", raw: raw)
    }
}
