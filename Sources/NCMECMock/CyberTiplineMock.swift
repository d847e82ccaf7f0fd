import Crypto
public import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local stand-in for NCMEC's CyberTipline Reporting API (ncmec.md §1), for tests and the
/// demo: HTTP Basic; `/status`, `/xsd`, `/submit`, `/upload`, `/fileinfo`, `/finish` and
/// `/retract` with NCMEC's answers and codes; every XML it receives validated against the
/// XSD (4100 when it fails, 4110 when it is not XML); a `Request-ID` on every answer; and the
/// deletion of a report left unfinished 24 hours after it was opened or an hour after its last
/// change. Tests can make an endpoint answer with a code, or trap a call (before or after it
/// takes effect) to stop the caller mid-call.
public final class CyberTiplineMock: Sendable {
    public enum ReportState: String, Sendable, CaseIterable { case open, finished, retracted }

    public struct File: Sendable {
        public var fileID: String
        public var md5: String
        public var size: Int
        /// The `<fileDetails>` received for it.
        public var details: String?
    }

    public struct MockReport: Sendable {
        public var id: Int64
        public var xml: String
        public var state: ReportState
        public var openedAt: Date
        public var modifiedAt: Date
        public var files: [File]
    }

    /// A call stopped at an endpoint: before it takes effect, or after (its answer never sent).
    public struct Trap: Sendable {
        public var endpoint: String
        public var afterEffect: Bool
        /// Which call to that endpoint is stopped first (1 = the next).
        public var occurrence: Int
        /// How many calls in a row, from that one, are stopped.
        public var times: Int
        public init(endpoint: String, afterEffect: Bool, occurrence: Int = 1, times: Int = 1) {
            self.endpoint = endpoint
            self.afterEffect = afterEffect
            self.occurrence = occurrence
            self.times = times
        }
    }

    struct State {
        var nextID: Int64 = 4_564_654
        var reports: [Int64: MockReport] = [:]
        var failures: [String: [(code: Int, httpStatus: Int)]] = [:]
        var calls: [String: Int] = [:]
        var trap: Trap?
        var trapped: [String] = []
        var clockOffset: TimeInterval = 0
    }

    public let username: String
    public let password: String
    let validator: SchemaValidator
    private let state = Mutex(State())
    private let released = Mutex<[CheckedContinuation<Void, Never>]>([])

    public init(username: String = "esp-user", password: String = "esp-password") throws {
        self.username = username
        self.password = password
        validator = try SchemaValidator.cyberTipline()
    }

    // MARK: what tests see and steer

    public var reports: [MockReport] { state.withLock { $0.reports.values.sorted { $0.id < $1.id } } }
    func stateLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    public func report(_ id: Int64) -> MockReport? { state.withLock { $0.reports[id] } }
    /// Calls answered so far, per endpoint.
    public func calls(_ endpoint: String) -> Int { state.withLock { $0.calls[endpoint, default: 0] } }

    /// The next `count` calls to `endpoint` answer `code` (with `httpStatus`) and change nothing.
    public func fail(_ endpoint: String, code: Int, httpStatus: Int = 200, count: Int = 1) {
        state.withLock { $0.failures[endpoint, default: []] += Array(repeating: (code, httpStatus), count: count) }
    }

    public func setTrap(_ trap: Trap?) { state.withLock { $0.trap = trap } }
    /// The endpoints of calls trapped so far.
    public var trapped: [String] { state.withLock { $0.trapped } }

    /// Lets every trapped call go on (its answer goes to a caller that may be gone).
    public func releaseTrapped() {
        let waiting = released.withLock { all in defer { all = [] }; return all }
        for continuation in waiting { continuation.resume() }
    }

    /// Moves the mock's clock (for the expiry of unfinished reports).
    public func advanceClock(by seconds: TimeInterval) { state.withLock { $0.clockOffset += seconds } }
    var now: Date { Date().addingTimeInterval(state.withLock { $0.clockOffset }) }

    // MARK: serving

    public func start(port: Int = 0) async throws -> HashSharingMock.Running {
        let router = Router()
        router.get("status") { request, _ in
            self.answer(request, endpoint: "status") { _ in .ok("Remote User : \(self.username), Remote Ip : 127.0.0.1") }
        }
        router.get("xsd") { request, _ in
            guard self.authorised(request), let url = Bundle.module.url(forResource: "cybertipline-report", withExtension: "xsd") else {
                return Response(status: .unauthorized)
            }
            return Response(status: .ok, headers: [.contentType: "text/xml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url))))
        }
        // Not NCMEC's: how many reports the mock holds in each state, for trials that count what
        // arrived (Benchmarks/soak.sh) when the mock runs as its own process.
        router.get("mock/reports") { request, _ in
            guard self.authorised(request) else { return Response(status: .unauthorized) }
            let counts = Dictionary(grouping: self.reports, by: \.state.rawValue).mapValues(\.count)
            let text = "{" + ReportState.allCases.map { "\"\($0.rawValue)\": \(counts[$0.rawValue] ?? 0)" }.joined(separator: ", ")
                + ", \"finish_calls\": \(self.calls("finish"))}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        for endpoint in ["submit", "upload", "fileinfo", "finish", "retract"] {
            router.post(RouterPath(endpoint)) { request, _ in
                let body = try await request.body.collect(upTo: 64 << 20)
                return try await self.call(endpoint, request: request, body: body)
            }
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "cybertipline-mock") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else { throw CancellationError() }
        return HashSharingMock.Running(port: bound, task: task)
    }

    func call(_ endpoint: String, request: Request, body: ByteBuffer) async throws -> Response {
        guard authorised(request) else { return Response(status: .unauthorized, headers: [.init("Request-ID")!: UUID().uuidString]) }
        let trap: Trap? = state.withLock { state in
            state.calls[endpoint, default: 0] += 1
            guard let trap = state.trap, trap.endpoint == endpoint else { return nil }
            if trap.occurrence > 1 {
                state.trap?.occurrence -= 1
                return nil
            }
            state.trap?.times -= 1
            if (state.trap?.times ?? 0) <= 0 { state.trap = nil }
            return trap
        }
        if let trap, !trap.afterEffect { await hold(endpoint) }
        let response = answer(request, endpoint: endpoint) { _ in self.effect(endpoint, request: request, body: body) }
        if let trap, trap.afterEffect { await hold(endpoint) }
        return response
    }

    func hold(_ endpoint: String) async {
        await withCheckedContinuation { continuation in
            released.withLock { $0.append(continuation) }
            state.withLock { $0.trapped.append(endpoint) }
        }
    }

    enum Outcome {
        case ok(String?, reportID: Int64? = nil, fileID: String? = nil, hash: String? = nil)
        case done(Int64, [String])
        case error(Int, String, http: HTTPResponse.Status = .ok, reportID: Int64? = nil)
    }

    func answer(_ request: Request, endpoint: String, _ effect: (Request) -> Outcome) -> Response {
        guard authorised(request) else { return Response(status: .unauthorized, headers: [.init("Request-ID")!: UUID().uuidString]) }
        let failure = state.withLock { state -> (code: Int, httpStatus: Int)? in
            guard var queued = state.failures[endpoint], !queued.isEmpty else { return nil }
            let first = queued.removeFirst()
            state.failures[endpoint] = queued
            return first
        }
        let outcome = failure.map { Outcome.error($0.code, "Injected failure", http: HTTPResponse.Status(code: $0.httpStatus)) } ?? effect(request)
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        var status = HTTPResponse.Status.ok
        switch outcome {
        case let .ok(description, reportID, fileID, hash):
            xml += "<reportResponse><responseCode>0</responseCode><responseDescription>\(HashSharingMock.escape(description ?? "Success"))</responseDescription>"
            if let reportID { xml += "<reportId>\(reportID)</reportId>" }
            if let fileID { xml += "<fileId>\(fileID)</fileId>" }
            if let hash { xml += "<hash>\(hash)</hash>" }
            xml += "</reportResponse>"
        case let .done(reportID, files):
            xml += "<reportDoneResponse><responseCode>0</responseCode><reportId>\(reportID)</reportId><files>"
                + files.map { "<fileId>\($0)</fileId>" }.joined() + "</files></reportDoneResponse>"
        case let .error(code, description, http, reportID):
            status = http
            xml += "<reportResponse><responseCode>\(code)</responseCode><responseDescription>\(HashSharingMock.escape(description))</responseDescription>"
                + (reportID.map { "<reportId>\($0)</reportId>" } ?? "") + "</reportResponse>"
        }
        return Response(status: status, headers: [.contentType: "text/xml; charset=utf-8", .init("Request-ID")!: UUID().uuidString],
                        body: .init(byteBuffer: ByteBuffer(string: xml)))
    }

    func authorised(_ request: Request) -> Bool {
        request.headers[.authorization] == "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}
