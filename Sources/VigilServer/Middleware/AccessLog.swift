import Basics
import Hummingbird
import HTTPTypes
import Logging
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One JSON access-log line per request with its id, which the response echoes in `X-Request-Id`.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext
    let logger: Logger
    static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[Self.requestIDHeader] = context.requestID
        guard logger.logLevel <= .info else { return response }
        let elapsed = start.duration(to: .now)
        var metadata: Logger.Metadata = [
            "request_id": .string(context.requestID),
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "route": .string(context.endpointPath ?? "-"),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(Self.milliseconds(elapsed)),
        ]
        if let keyID = context.caller.keyID { metadata["key_id"] = .stringConvertible(keyID) }
        if let peer = context.remoteAddress { metadata["peer"] = .string(peer.value) }
        logger.info("request", metadata: metadata)
        return response
    }

    /// "12.345": milliseconds with three decimals (String(format:) costs more than the request).
    static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return String(micros / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
