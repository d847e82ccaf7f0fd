import Basics
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
            guard let form = Self.form(body, contentType: request.headers[.contentType] ?? ""), let idText = form.id, let id = Int64(idText) else {
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

    func upload(_ form: Form) -> Outcome {
        guard let idText = form.id, let id = Int64(idText), let file = form.file else {
            return .error(4200, "Malformed file submittal: the fields id and file are required", http: .badRequest)
        }
        let bytes = Array(file)
        let md5 = Hex.encode(Array(Insecure.MD5.hash(data: bytes)))
        let fileID = (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max)) }.joined()
        let now = self.now
        return stateLock { state in
            guard var report = state.reports[id] else { return .error(5001, "Report does not exist", http: .badRequest) }
            if let refused = Self.closed(report) { return refused }
            report.files.append(File(fileID: fileID, md5: md5, size: bytes.count))
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

    /// The form fields of a multipart body (MultipartKit's form decoder): `id`, and `file` for uploads.
    struct Form: Decodable {
        let id: String?
        let file: Data?
    }

    static func form(_ body: ByteBuffer, contentType: String) -> Form? {
        guard let boundary = contentType.split(separator: ";").dropFirst()
            .map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { $0.lowercased().hasPrefix("boundary=") })?
            .dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) else { return nil }
        return try? FormDataDecoder().decode(Form.self, from: body, boundary: boundary)
    }

    /// The text of the first `<name>` element (the document was validated already).
    static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
