import Basics
import Banks
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import PDQ
import SafeFetch

/// One part of a multipart/form-data body.
struct FormPart: Sendable {
    var name: String?
    var filename: String?
    var contentType: String?
    var body: ByteBuffer

    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}

enum MultipartForm {
    /// A parser for a body whose Content-Type is `contentType` (it carries the boundary).
    static func parser(contentType: String) throws -> GuardedMultipartParser {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty else {
            throw APIError.badRequest("multipart/form-data needs a boundary parameter in Content-Type", code: "malformed_multipart")
        }
        return GuardedMultipartParser(boundary: boundary)
    }

    /// Parses a whole multipart/form-data body.
    static func parse(_ body: ByteBuffer, contentType: String) throws -> [FormPart] {
        let parser = try parser(contentType: contentType)
        // The parser calls back synchronously on this thread; the box only satisfies the closures' types.
        final class Collector: @unchecked Sendable {
            var parts: [FormPart] = []
            var headers: [(String, String)] = []
            var body = ByteBuffer()
        }
        let collector = Collector()
        parser.parser.onHeader = { name, value in collector.headers.append((name, value)) }
        parser.parser.onBody = { chunk in collector.body.writeBuffer(&chunk) }
        parser.parser.onPartComplete = {
            let disposition = collector.headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let type = collector.headers.first { $0.0.lowercased() == "content-type" }?.1
            collector.parts.append(FormPart(name: parameter("name", in: disposition), filename: parameter("filename", in: disposition),
                                            contentType: type, body: collector.body))
            collector.headers = []
            collector.body = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw APIError.badRequest("the multipart body is malformed", code: "malformed_multipart")
        }
        guard !collector.parts.isEmpty else {
            throw APIError.badRequest("the multipart body has no complete part (check the boundary)", code: "malformed_multipart")
        }
        return collector.parts
    }

    /// `name` from a header value such as `form-data; name="photo"; filename="a.jpg"`.
    static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}

/// What a request's Content-Type says the body is.
enum BodyKind {
    case json, multipart(String), image, none, other(String)

    init(_ request: Request) {
        guard let type = request.headers[.contentType]?.lowercased() else {
            self = .none
            return
        }
        let base = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        switch base {
        case "application/json", "text/json": self = .json
        case "multipart/form-data": self = .multipart(request.headers[.contentType]!)
        case "application/octet-stream": self = .image
        case _ where base.hasPrefix("image/"): self = .image
        default: self = .other(base)
        }
    }
}

/// Query-string and form booleans: `?enhanced`, `?enhanced=true`, `=1`, `=yes`.
enum Flag {
    static func parse(_ value: String?, name: String) throws -> Bool? {
        guard let value else { return nil }
        switch value.lowercased() {
        case "", "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw APIError.badRequest("\(name) must be true or false, not \"\(value.prefix(40))\"", code: "invalid_parameter")
        }
    }
}

extension Request {
    /// Reads the whole body up to `limit` bytes; beyond it the request fails with 413.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit)
        } catch is NIOTooManyBytesError {
            // A chunked body (no Content-Length) that runs past the limit.
            throw APIError.tooLarge(limit)
        }
    }

    /// A dashboard form's body, kept on the request for whoever reads it next (the CSRF check
    /// reads it first); beyond `FormFields.limit` the post fails with 413 in words.
    mutating func collectForm() async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: FormFields.limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(FormFields.limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(FormFields.limit)
        }
    }

    /// The body of a route that takes an image or JSON: a JSON body up to `maxJSONBytes`
    /// (with a 413 that says where a larger image goes), anything else up to `maxBodyBytes`.
    func collectBody(_ settings: ServerSettings) async throws -> ByteBuffer {
        guard case .json = BodyKind(self) else { return try await collectBody(limit: settings.maxBodyBytes) }
        return try await collectJSON(limit: settings.maxJSONBytes)
    }

    /// A JSON body up to `limit` (`max_json_bytes`, or a route's own smaller limit).
    func collectJSON(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(limit: limit)
        } catch let error as APIError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "body_too_large",
                           "a JSON body is limited to \(ByteCount.text(limit)) (max_json_bytes): send a larger image as itself (Content-Type image/…) or as multipart/form-data")
        }
    }

    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    /// An integer query parameter within `range`, or `fallback` when it is absent; anything else
    /// is a 400 that names the parameter and its range.
    func queryInteger(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw APIError.badRequest("\(name) must be an integer \(bounds), got \"\(text.prefix(40))\"")
        }
        return value
    }

    /// A comma-separated list of states (`?status=succeeded,failed`), or nil when absent; an
    /// unknown one is a 400 that lists the known.
    func queryStates<State: RawRepresentable & CaseIterable>(_ name: String, as type: State.Type) throws -> [State]? where State.RawValue == String {
        try query(name).map { text in
            try text.split(separator: ",").map { part in
                guard let state = State(rawValue: String(part)) else {
                    throw APIError.badRequest("\(name) must be among \(State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
        }
    }

    /// An ISO 8601 time query parameter, or nil when absent.
    func queryTime(_ name: String) throws -> Date? {
        guard let text = query(name) else { return nil }
        guard let date = Timestamp.parse(text) else { throw APIError.badRequest("\(name) must be an ISO 8601 time such as 2026-12-01T10:00:00Z") }
        return date
    }
}

enum SignalText {
    static func pdq(_ text: String, field: String = "pdq") throws -> PDQHash {
        guard let hash = PDQHash(hex: text.trimmingWhitespaces) else {
            throw APIError.badRequest("\(field) must be 64 hexadecimal digits", code: "invalid_signal")
        }
        return hash
    }

    static func digest(_ text: String, length: Int, field: String) throws -> String {
        guard let digest = HexDigest.normalise(text.trimmingWhitespaces, length: length) else {
            throw APIError.badRequest("\(field) must be \(length) hexadecimal digits", code: "invalid_signal")
        }
        return digest
    }

    static func base64(_ text: String, field: String) throws -> [UInt8] {
        var cleaned = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let comma = cleaned.firstIndex(of: ","), cleaned.hasPrefix("data:") { cleaned = String(cleaned[cleaned.index(after: comma)...]) }
        cleaned = cleaned.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while cleaned.utf8.count % 4 != 0 { cleaned += "=" }
        guard let data = Data(base64Encoded: cleaned, options: [.ignoreUnknownCharacters]), !data.isEmpty else {
            throw APIError.badRequest("\(field) is not valid base64", code: "invalid_base64")
        }
        return [UInt8](data)
    }
}
