import AsyncHTTPClient
public import SafeFetch
import Foundation
import Integrations
public import Logging
import MultipartKit
package import NIOCore
import NIOHTTP1
import NIOPosix
public import Reports

/// The CyberTipline Reporting API over HTTP (ncmec.md §1): HTTP Basic with the credential's
/// user and password, XML bodies as `text/xml; charset=utf-8`, the report id of finish and
/// retract as a multipart form field, files as multipart uploads. Every answer's body is
/// parsed whatever its HTTP status (NCMEC sends errors as 4xx with XML), and its Request-ID
/// is logged and returned.
public struct CyberTiplineClient: CyberTipline {
    let base: String
    let authorization: String
    let gate: OutboundGate
    let timeout: Duration
    let uploadTimeout: Duration
    let logger: Logger

    public init(base: String, authorization: String, gate: OutboundGate, timeout: Duration = .seconds(60),
                uploadTimeout: Duration = .seconds(600), logger: Logger = Logger(label: "vigil.cybertipline")) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.authorization = authorization
        self.gate = gate
        self.timeout = timeout
        self.uploadTimeout = uploadTimeout
        self.logger = logger
    }

    public func submit(_ reportXML: String) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        try await post("submit", contentType: "text/xml; charset=utf-8", body: ByteBuffer(string: reportXML), timeout: timeout)
    }

    public func upload(reportID: Int64, fileName: String, bytes: [UInt8]) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        var file = HTTPHeaders()
        file.add(name: "Content-Disposition", value: "form-data; name=\"file\"; filename=\"\(Self.quoted(fileName))\"")
        file.add(name: "Content-Type", value: "application/octet-stream")
        let (contentType, body) = try Self.form([Self.field("id", String(reportID)), MultipartPart(headers: file, body: ByteBuffer(bytes: bytes))])
        return try await post("upload", contentType: contentType, body: body, timeout: uploadTimeout)
    }

    public func fileInfo(_ fileDetailsXML: String) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        try await post("fileinfo", contentType: "text/xml; charset=utf-8", body: ByteBuffer(string: fileDetailsXML), timeout: timeout)
    }

    public func finish(reportID: Int64) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        let (contentType, body) = try Self.form([Self.field("id", String(reportID))])
        return try await post("finish", contentType: contentType, body: body, timeout: timeout)
    }

    public func retract(reportID: Int64) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        let (contentType, body) = try Self.form([Self.field("id", String(reportID))])
        return try await post("retract", contentType: contentType, body: body, timeout: timeout)
    }

    // MARK: the exchange

    func post(_ endpoint: String, contentType: String, body: ByteBuffer, timeout: Duration) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer {
        let headers = [("Authorization", authorization), ("Content-Type", contentType), ("Accept", "application/xml, text/xml")]
        let exchanged: HTTPCall.Answer
        do {
            exchanged = try await HTTPCall.exchange(gate, .POST, "\(base)/\(endpoint)", headers: headers, body: body, timeout: timeout, integration: "ncmec_cybertipline")
        } catch {
            throw Self.failure(error)
        }
        let status = exchanged.status
        let answer = Self.answer(status: status, requestID: exchanged.headers.first(name: "Request-ID"), body: exchanged.body)
        logger.info("CyberTipline \(endpoint)", metadata: ["http_status": "\(status)", "code": "\(answer.code.map(String.init) ?? "none")",
                                                          "request_id": "\(answer.requestID ?? "none")"])
        return answer
    }

    /// Parses `<reportResponse>` or `<reportDoneResponse>`; an empty or foreign body leaves
    /// the code nil and the HTTP status decides.
    package static func answer(status: Int, requestID: String?, body: ByteBuffer) -> CyberTiplineAnswer {
        let text = String(buffer: body)
        let fields = XMLFields(Data(body.readableBytesView))
        return CyberTiplineAnswer(
            httpStatus: status, code: fields?["responseCode"].flatMap { Int($0) }, description: fields?["responseDescription"],
            reportID: fields?["reportId"].flatMap { Int64($0) }, fileID: fields?["fileId"], hash: fields?["hash"],
            finishedFileIDs: fields?.root == "reportDoneResponse" ? (fields?.all("fileId") ?? []) : [],
            requestID: requestID, body: String(text.prefix(64 * 1024)))
    }

    /// A connection never made means nothing reached NCMEC; anything later may have.
    static func failure(_ error: any Error) -> CyberTiplineCallFailure {
        // The gate refused the address before anything was sent.
        if let refusal = error as? FetchError { return .notSent(refusal.description) }
        let reason = String(String(describing: error).prefix(200))
        // The gate turns a refused or unroutable connect into `ConnectionNotMade`.
        if error is ConnectionNotMade || error is NIOConnectionError { return .notSent(reason) }
        if let error = error as? HTTPClientError, error == .connectTimeout || error == .getConnectionFromPoolTimeout { return .notSent(reason) }
        if let error = error as? ChannelError, case .connectTimeout = error { return .notSent(reason) }
        return .unknown(reason)
    }

    static func field(_ name: String, _ value: String) -> MultipartPart {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Disposition", value: "form-data; name=\"\(name)\"")
        return MultipartPart(headers: headers, body: ByteBuffer(string: value))
    }

    static func form(_ parts: [MultipartPart]) throws(CyberTiplineCallFailure) -> (contentType: String, body: ByteBuffer) {
        let boundary = "vigil-" + UUID().uuidString
        var body = ByteBuffer()
        do { try MultipartSerializer().serialize(parts: parts, boundary: boundary, into: &body) } catch {
            throw .notSent("the form could not be written: \(error)")
        }
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    /// A file name inside a quoted header parameter: no quotes, backslashes or line breaks.
    static func quoted(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0.value >= 0x20 }.map(Character.init))
    }
}
