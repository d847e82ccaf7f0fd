import Crypto
import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// What each CyberTipline call does to the mock's reports, with NCMEC's codes.
extension CyberTiplineMock {
    func effect(_ endpoint: String, request: Request, body: ByteBuffer) -> Outcome {
        expireUnfinished()
        switch endpoint {
        case "submit": return submit(body)
        case "upload":
            guard let form = Self.form(body, contentType: request.headers[.contentType] ?? "") else {
                return .error(4200, "Malformed file submittal: a multipart form with id and file is expected", http: .badRequest)
            }
            return upload(form)
        case "fileinfo": return fileInfo(body)
        case "finish", "retract":
            guard let form = Self.form(body, contentType: request.headers[.contentType] ?? ""), let idText = form["id"]?.text, let id = Int64(idText) else {
                return .error(4000, "Invalid request: the form field id (the report id) is required", http: .badRequest)
            }
            return endpoint == "finish" ? finish(id) : retract(id)
        default: return .error(4000, "Invalid request", http: .badRequest)
        }
    }

    func validated(_ body: ByteBuffer, root expected: String) -> Outcome? {
        do {
            let root = try validator.validate(Data(body.readableBytesView))
            guard root == expected else { return .error(4100, "Validation failed: the root element is \(root), not \(expected)", http: .badRequest) }
            return nil
        } catch let failure as SchemaValidator.ValidationFailure {
            return failure.malformed ? .error(4110, "Malformed XML submittal", http: .badRequest)
                : .error(4100, "Validation failed: \(failure.description)", http: .badRequest)
        } catch {
            return .error(1000, "Server error: \(error)", http: .internalServerError)
        }
    }

    func submit(_ body: ByteBuffer) -> Outcome {
        if let refused = validated(body, root: "report") { return refused }
        let now = self.now
        let id = stateLock { state in
            let id = state.nextID
            state.nextID += 1
            state.reports[id] = MockReport(id: id, xml: String(buffer: body), state: .open, openedAt: now, modifiedAt: now, files: [])
            return id
        }
        return .ok(nil, reportID: id)
    }

    func upload(_ form: [String: FormField]) -> Outcome {
        guard let idText = form["id"]?.text, let id = Int64(idText), let file = form["file"] else {
            return .error(4200, "Malformed file submittal: the fields id and file are required", http: .badRequest)
        }
        let bytes = Array(file.body.readableBytesView)
        let md5 = Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let fileID = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
        let now = self.now
        return stateLock { state in
            guard var report = state.reports[id] else { return .error(5001, "Report does not exist", http: .badRequest) }
            if let refused = Self.closed(report) { return refused }
            report.files.append(File(fileID: fileID, fileName: file.filename, md5: md5, size: bytes.count))
            report.modifiedAt = now
            state.reports[id] = report
            return .ok(nil, reportID: id, fileID: fileID, hash: md5)
        }
    }

    func fileInfo(_ body: ByteBuffer) -> Outcome {
        if let refused = validated(body, root: "fileDetails") { return refused }
        let text = String(buffer: body)
        guard let id = Self.element("reportId", in: text).flatMap({ Int64($0) }), let fileID = Self.element("fileId", in: text) else {
            return .error(4100, "Validation failed: reportId and fileId are required", http: .badRequest)
        }
        let now = self.now
        return stateLock { state in
            guard var report = state.reports[id] else { return .error(5001, "Report does not exist", http: .badRequest) }
            if let refused = Self.closed(report) { return refused }
            guard let index = report.files.firstIndex(where: { $0.fileID == fileID }) else { return .error(5002, "File does not exist", http: .badRequest) }
            // NCMEC takes details once per file.
            guard report.files[index].details == nil else { return .error(4000, "Invalid request: the file's details were already submitted", http: .badRequest) }
            report.files[index].details = text
            report.modifiedAt = now
            state.reports[id] = report
            return .ok(nil, reportID: id)
        }
    }

    func finish(_ id: Int64) -> Outcome {
        stateLock { state in
            guard var report = state.reports[id] else { return .error(5001, "Report does not exist", http: .badRequest) }
            if let refused = Self.closed(report) { return refused }
            report.state = .finished
            state.reports[id] = report
            return .done(id, report.files.map(\.fileID))
        }
    }

    func retract(_ id: Int64) -> Outcome {
        stateLock { state in
            guard var report = state.reports[id] else { return .error(5001, "Report does not exist", http: .badRequest) }
            if let refused = Self.closed(report) { return refused }
            report.state = .retracted
            state.reports[id] = report
            return .ok(nil, reportID: id)
        }
    }

    static func closed(_ report: MockReport) -> Outcome? {
        switch report.state {
        case .open: nil
        case .finished: .error(5102, "Report already finished", http: .badRequest, reportID: report.id)
        case .retracted: .error(5101, "Report already retracted", http: .badRequest, reportID: report.id)
        }
    }

    /// NCMEC deletes an unfinished report 24 hours after it was opened or an hour after its
    /// last change, whichever is later.
    func expireUnfinished() {
        let now = self.now
        stateLock { state in
            for (id, report) in state.reports where report.state == .open {
                let expiry = max(report.openedAt.addingTimeInterval(24 * 3600), report.modifiedAt.addingTimeInterval(3600))
                if now >= expiry { state.reports[id] = nil }
            }
        }
    }

    // MARK: parsing

    struct FormField {
        var filename: String?
        var body: ByteBuffer
        var text: String { String(buffer: body) }
    }

    static func form(_ body: ByteBuffer, contentType: String) -> [String: FormField]? {
        guard let boundary = parameter("boundary", in: contentType) else { return nil }
        let parser = MultipartParser(boundary: boundary)
        final class Collector: @unchecked Sendable {
            var fields: [String: FormField] = [:]
            var headers: [(String, String)] = []
            var body = ByteBuffer()
        }
        let collector = Collector()
        parser.onHeader = { name, value in collector.headers.append((name, value)) }
        parser.onBody = { chunk in collector.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let disposition = collector.headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            if let name = parameter("name", in: disposition) {
                collector.fields[name] = FormField(filename: parameter("filename", in: disposition), body: collector.body)
            }
            collector.headers = []
            collector.body = ByteBuffer()
        }
        do { try parser.execute(body) } catch { return nil }
        return collector.fields.isEmpty ? nil : collector.fields
    }

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

    /// The text of the first `<name>` element (the document was validated already).
    static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
