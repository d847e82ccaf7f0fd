/// The CyberTipline Reporting API as the submission sees it (the HTTP client is an adapter).
/// Each call returns NCMEC's answer, whatever its code, or throws `CyberTiplineCallFailure`
/// when there is none.
public protocol CyberTipline: Sendable {
    func submit(_ reportXML: String) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer
    func upload(reportID: Int64, fileName: String, bytes: [UInt8]) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer
    func fileInfo(_ fileDetailsXML: String) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer
    func finish(reportID: Int64) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer
    func retract(reportID: Int64) async throws(CyberTiplineCallFailure) -> CyberTiplineAnswer
}

/// Opens the CyberTipline of a credential (its environment, user and password).
public protocol CyberTiplineConnector: Sendable {
    func connect(credentialID: String?) async throws -> any CyberTipline
}

/// What NCMEC answered (ncmec.md §1.3): the code decides, even on HTTP 200.
public struct CyberTiplineAnswer: Sendable, Equatable {
    public var httpStatus: Int
    /// `responseCode`; nil when the body had none (401 comes with an empty body).
    public var code: Int?
    public var description: String?
    public var reportID: Int64?
    public var fileID: String?
    public var hash: String?
    /// `reportDoneResponse/files/fileId`.
    public var finishedFileIDs: [String]
    /// The `Request-ID` header, to quote to NCMEC.
    public var requestID: String?
    /// The body as received (at most 64 KiB kept).
    public var body: String

    public init(httpStatus: Int, code: Int?, description: String? = nil, reportID: Int64? = nil, fileID: String? = nil, hash: String? = nil,
                finishedFileIDs: [String] = [], requestID: String? = nil, body: String = "") {
        self.httpStatus = httpStatus
        self.code = code
        self.description = description
        self.reportID = reportID
        self.fileID = fileID
        self.hash = hash
        self.finishedFileIDs = finishedFileIDs
        self.requestID = requestID
        self.body = body
    }

    public var isSuccess: Bool { code == 0 }
}

/// No answer came. `notSent`: the request never left (no connection), so nothing happened at
/// NCMEC. `unknown`: it may have arrived (a timeout, a connection lost mid-way).
public enum CyberTiplineCallFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case notSent(String)
    case unknown(String)

    public var description: String {
        switch self {
        case let .notSent(reason): "the CyberTipline was not reached: \(reason)"
        case let .unknown(reason): "no answer from the CyberTipline (it may have received the call): \(reason)"
        }
    }
}
