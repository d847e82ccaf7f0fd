import Basics
import AsyncHTTPClient
import SafeFetch
import Foundation
import Integrations
import NIOCore
import NIOHTTP1

/// One HTTP exchange with a provider, the whole answer read (up to `limit` bytes) before the
/// deadline. The clients of this module all call through it.
struct HTTPCall {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
        var text: String { String(buffer: body) }
    }

    enum Failure: Error, CustomStringConvertible {
        case timedOut
        case tooLarge
        case connection(String)
        /// The gate refused the URL: nothing was sent, and asking again cannot change that.
        case refused(FetchError)

        var description: String {
            switch self {
            case .timedOut: "timed out"
            case .tooLarge: "the answer is too large"
            case let .connection(reason): reason
            case let .refused(error): error.description
            }
        }
    }

    /// `integration` names the caller in the outbound latency metrics.
    static func perform(_ gate: OutboundGate, _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: [UInt8]? = nil,
                        timeout: Duration, limit: Int = 1 << 20, integration: String) async throws(Failure) -> Answer {
        do {
            return try await exchange(gate, method, url, headers: headers, body: body.map { ByteBuffer(bytes: $0) }, timeout: timeout, limit: limit,
                                      integration: integration)
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            throw .timedOut
        } catch is NIOTooManyBytesError {
            throw .tooLarge
        } catch let error as FetchError where error.isPermanentRefusal {
            throw .refused(error)
        } catch let error as FetchError {
            // A name that did not resolve this time: worth another try.
            throw .connection(error.description)
        } catch {
            throw .connection(String(describing: error).prefix(200).description)
        }
    }

    /// The exchange itself, failing with AsyncHTTPClient's own error: for a caller that must
    /// tell a connection never made from a request that may have arrived (the CyberTipline).
    static func exchange(_ gate: OutboundGate, _ method: HTTPMethod, _ url: String, headers: [(String, String)], body: ByteBuffer?,
                         timeout: Duration, limit: Int = 1 << 20, integration: String) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let deadline = NIODeadline.now() + .nanoseconds(timeout.nanoseconds)
        let response = try await gate.execute(request, deadline: deadline, purpose: integration)
        let bytes = try await response.body.collect(upTo: limit)
        return Answer(status: Int(response.status.code), headers: response.headers, body: bytes)
    }

    /// A GET repeated while the answer may pass by itself (429, 5xx, a host not reached), with
    /// the policy's backoff; any other answer, 200 and 401 among them, is returned at once, and
    /// so is the last answer once the attempts run out. Throws only when the host was never reached.
    static func getRetrying(_ gate: OutboundGate, _ url: String, headers: [(String, String)], timeout: Duration, limit: Int,
                            retry: RetryPolicy, integration: String) async throws -> Answer {
        var attempt = 1
        while true {
            let outcome: Result<Answer, Failure>
            do {
                outcome = .success(try await perform(gate, .GET, url, headers: headers, timeout: timeout, limit: limit, integration: integration))
            } catch .refused(let refusal) {
                throw Failure.refused(refusal)
            } catch {
                outcome = .failure(error)
            }
            if case let .success(answer) = outcome, answer.status != 429, !(500...599).contains(answer.status) { return answer }
            guard attempt < retry.attempts else { return try outcome.get() }
            try await Task.sleep(for: retry.backoff(after: attempt))
            attempt += 1
        }
    }
}
