import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// Writes a request body to a file as it arrives, up to a limit: the raw body, or only the file
/// part of a multipart body. Returns the file name the multipart part gave, if any.
enum UploadSpool {
    @discardableResult
    static func write(_ request: Request, to file: URL, limit: Int, multipartField: String) async throws -> String? {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit) }
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw APIError(.internalServerError, "internal_error", "cannot create a temporary file for the upload")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }

        let sink = PartSink(handle: handle, field: multipartField)
        var parser: GuardedMultipartParser?
        if case let .multipart(type) = BodyKind(request) {
            let multipart = try MultipartForm.parser(contentType: type)
            multipart.parser.onHeader = { name, value in sink.header(name, value) }
            multipart.parser.onBody = { chunk in sink.body(&chunk) }
            multipart.parser.onPartComplete = { sink.partComplete() }
            parser = multipart
        }
        var received = 0
        for try await chunk in request.body {
            received += chunk.readableBytes
            guard received <= limit else { throw APIError.tooLarge(limit) }
            if let parser {
                do {
                    try parser.execute(chunk)
                } catch {
                    throw APIError.badRequest("the multipart body is malformed", code: "malformed_multipart")
                }
            } else {
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            if let failure = sink.failure { throw failure }
        }
        if parser != nil, !sink.found {
            throw APIError.badRequest("the multipart body has no field \"\(multipartField)\"", code: "missing_file")
        }
        guard received > 0, (try? handle.offset()) ?? 0 > 0 else { throw APIError.badRequest("the upload is empty") }
        return sink.fileName
    }

    /// Receives the parser's callbacks (synchronous, on the task that feeds it) and writes the
    /// chosen part's bytes.
    private final class PartSink: @unchecked Sendable {
        let handle: FileHandle
        let field: String
        var headers: [(String, String)] = []
        var writing = false
        var found = false
        var fileName: String?
        var failure: (any Error)?

        init(handle: FileHandle, field: String) {
            self.handle = handle
            self.field = field
        }

        func header(_ name: String, _ value: String) {
            headers.append((name, value))
            guard name.lowercased() == "content-disposition", !found else { return }
            let isField = MultipartForm.parameter("name", in: value) == field || MultipartForm.parameter("filename", in: value) != nil
            if isField {
                writing = true
                found = true
                // A name for messages and an entry's source: its last path part, no control characters.
                fileName = MultipartForm.parameter("filename", in: value).flatMap { given in
                    let last = String(given).split(separator: "/").last.map(String.init) ?? ""
                    let name = String(String.UnicodeScalarView(last.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }))
                    return name.isEmpty ? nil : String(name.prefix(200))
                }
            }
        }

        func body(_ chunk: inout ByteBuffer) {
            guard writing, failure == nil else { return }
            do { try handle.write(contentsOf: chunk.readableBytesView) } catch { failure = error }
        }

        func partComplete() {
            writing = false
            headers = []
        }
    }
}
