public import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local stand-in for NCMEC's Hash Sharing API v2 (ncmec.md §2), for tests and the demo:
/// HTTP Basic, `GET /v2/status`, and `GET /v2/entries?from=&to=` with `<queryResult>` pages
/// linked by a relative `next`, images and `deletedImage` tombstones, a later record of
/// (member, id) replacing an earlier one. Like the real service it does not serve a range in
/// time order, so a client must read the whole range before it trusts any checkpoint.
public final class HashSharingMock: Sendable {
    public struct Record: Sendable {
        public var member: Int
        public var memberName: String
        public var id: String
        public var timestamp: Date
        public var classification: String?
        public var md5: String?
        public var pdq: String?
        public var deleted: Bool

        public init(member: Int = 42, memberName: String = "Example Member", id: String, timestamp: Date, classification: String? = "A1",
                    md5: String? = nil, pdq: String? = nil, deleted: Bool = false) {
            self.member = member
            self.memberName = memberName
            self.id = id
            self.timestamp = timestamp
            self.classification = classification
            self.md5 = md5
            self.pdq = pdq
            self.deleted = deleted
        }
    }

    public let username: String
    public let password: String
    public let pageSize: Int
    /// How long each page takes to answer (a slow list, for tests that stop a sync midway).
    public let pageDelay: Duration
    private let records: Mutex<[String: Record]> = Mutex([:])
    /// Pages (by start index) answered with HTTP 500, to cut a sync off in the middle.
    private let failing: Mutex<Set<Int>> = Mutex([])
    private let served: Mutex<Int> = Mutex(0)
    private let votes: Mutex<[Vote]> = Mutex([])
    /// Votes answered with HTTP 503 before any is taken (a list that is down for a while).
    private let votesToRefuse: Mutex<Int> = Mutex(0)

    /// A vote the mock took: `PUT /v2/entries/{member}/{id}/{TYPE}/feedback`.
    public struct Vote: Sendable, Equatable {
        public var member: String
        public var id: String
        public var fingerprint: String
        public var affirmative: Bool
        /// The reasons' guids of a down-vote.
        public var reasons: [String]

        public init(member: String, id: String, fingerprint: String, affirmative: Bool, reasons: [String]) {
            self.member = member
            self.id = id
            self.fingerprint = fingerprint
            self.affirmative = affirmative
            self.reasons = reasons
        }
    }

    /// The reasons the list gives for a down-vote (`GET /v2/feedback/{TYPE}/reasons`).
    public static let reasons: [(guid: String, name: String)] = [
        ("8f0d3c52-4a1e-4c52-9b8e-5d3f1a2b7c01", "Not CSAM"),
        ("8f0d3c52-4a1e-4c52-9b8e-5d3f1a2b7c02", "Wrong classification"),
    ]
    static let fingerprintTypes: Set<String> = ["MD5", "SHA1", "PDNA", "PDQ", "NETCLEAN", "VIDENTIFIER", "TMK_PDQF", "SSVH_PDNA", "SSVH_SAFER_HASH"]

    /// Every vote taken, in order (each PUT, so a vote sent twice shows twice).
    public var votesReceived: [Vote] { votes.withLock { $0 } }

    /// The next `count` votes are answered with HTTP 503.
    public func refuseVotes(_ count: Int) { votesToRefuse.withLock { $0 = count } }

    /// Told of each vote taken, in words (`vigil mock` prints them, so a trial sees what went out).
    let announce: @Sendable (String) -> Void

    public init(username: String = "esp-user", password: String = "esp-password", pageSize: Int = 1000, pageDelay: Duration = .zero,
                announce: @escaping @Sendable (String) -> Void = { _ in }) {
        self.announce = announce
        self.username = username
        self.password = password
        self.pageSize = max(1, pageSize)
        self.pageDelay = pageDelay
    }

    /// Adds or replaces the record of (member, id).
    public func put(_ record: Record) { records.withLock { $0["\(record.member):\(record.id)"] = record } }

    /// Withdraws an entry: its record becomes a tombstone at `time`.
    public func delete(member: Int = 42, id: String, at time: Date) {
        records.withLock { all in
            let key = "\(member):\(id)"
            var record = all[key] ?? Record(member: member, id: id, timestamp: time)
            record.deleted = true
            record.timestamp = time
            all[key] = record
        }
    }

    public func failPage(startingAt start: Int, _ fails: Bool = true) {
        failing.withLock { if fails { $0.insert(start) } else { $0.remove(start) } }
    }

    /// Pages served so far.
    public var pagesServed: Int { served.withLock { $0 } }

    /// Serves the API on 127.0.0.1:`port` (0 = any free port) until `stop()`.
    public func start(port: Int = 0) async throws -> Running {
        let router = Router()
        router.get("v2/status") { request, _ in
            guard self.authorised(request) else { return Response(status: .unauthorized) }
            return Self.xml("<status><ipAddress>127.0.0.1</ipAddress><username>\(self.username)</username><member id=\"42\">Example Member</member></status>")
        }
        router.get("v2/entries") { request, _ in
            if self.pageDelay > .zero { try await Task.sleep(for: self.pageDelay) }
            return try self.entries(request)
        }
        router.get("v2/feedback/{type}/reasons") { request, context in
            guard self.authorised(request) else { return Response(status: .unauthorized) }
            let type = context.parameters.get("type") ?? ""
            guard Self.fingerprintTypes.contains(type) else { return Self.xml("<error>unknown fingerprint type</error>", status: .badRequest) }
            let reasons = Self.reasons.map { #"<reason guid="\#($0.guid)" name="\#(Self.escape($0.name))" type="\#(type)"/>"# }.joined()
            return Self.xml("<availableFeedbackReasons>\(reasons)</availableFeedbackReasons>")
        }
        router.put("v2/entries/{member}/{id}/{type}/feedback") { request, context in
            guard self.authorised(request) else { return Response(status: .unauthorized) }
            let refuse = self.votesToRefuse.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if refuse { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 64 * 1024)
            let member = context.parameters.get("member") ?? "", id = context.parameters.get("id") ?? "", type = context.parameters.get("type") ?? ""
            guard Self.fingerprintTypes.contains(type), request.headers[.contentType]?.hasPrefix("application/xml") == true,
                  let vote = Self.vote(Data(body.readableBytesView), member: member, id: id, type: type) else {
                return Self.xml("<error>not a feedbackSubmission with affirmative, or negative with a known reason</error>", status: .badRequest)
            }
            guard self.records.withLock({ $0["\(member):\(id)"].map { !$0.deleted } ?? false }) else { return Response(status: .notFound) }
            self.votes.withLock { $0.append(vote) }
            self.announce("vote taken: \(vote.affirmative ? "up (confirmed)" : "down (false positive, reasons \(vote.reasons.joined(separator: ", ")))") on the \(type) of entry \(member)/\(id)")
            return Response(status: .noContent)
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "ncmec-mock") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else { throw CancellationError() }
        return Running(port: bound, task: task)
    }

    public struct Running: Sendable {
        public let port: Int
        let task: Task<Void, any Error>
        public var base: String { "http://127.0.0.1:\(port)" }
        public func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    func authorised(_ request: Request) -> Bool {
        let expected = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        return request.headers[.authorization] == expected
    }

    func entries(_ request: Request) throws -> Response {
        guard authorised(request) else { return Response(status: .unauthorized) }
        let query = request.uri.queryParameters
        let format = Date.ISO8601FormatStyle(timeZone: .gmt)
        guard let fromText = query.get("from"), let toText = query.get("to"),
              let from = try? format.parse(fromText), let to = try? format.parse(toText) else {
            return Self.xml("<error>from and to are required, as yyyy-MM-ddTHH:mm:ssZ</error>", status: .badRequest)
        }
        let start = query.get("start").flatMap(Int.init) ?? 0
        let size = query.get("size").flatMap(Int.init).map { min(max(1, $0), pageSize) } ?? pageSize
        if failing.withLock({ $0.contains(start) }) { return Response(status: .internalServerError) }
        // [from, to), in an order that is not time order (by id), as the real service warns.
        let inRange = records.withLock { Array($0.values) }
            .filter { $0.timestamp >= from && $0.timestamp < to }
            .sorted { ($0.id.reversed().map(String.init).joined(), $0.member) < ($1.id.reversed().map(String.init).joined(), $1.member) }
        let page = inRange.dropFirst(start).prefix(size)
        served.withLock { $0 += 1 }
        var body = #"<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">"#
        body += #"<images count="\#(page.count)" maxTimestamp="\#((page.map(\.timestamp).max() ?? to).formatted(format))">"#
        for record in page { body += Self.element(record, format: format) }
        body += "</images>"
        if start + size < inRange.count {
            let next = "/v2/entries?from=\(fromText)&to=\(toText)&start=\(start + size)&size=\(size)&max=\(inRange.count)"
            body += "<paging><next>\(next.replacingOccurrences(of: "&", with: "&amp;"))</next></paging>"
        }
        body += "</queryResult>"
        return Self.xml(body)
    }

    /// A `<feedbackSubmission>` in the v2 namespace: `<affirmative/>`, or `<negative>` with the
    /// guids of known reasons.
    static func vote(_ data: Data, member: String, id: String, type: String) -> Vote? {
        final class Reader: NSObject, XMLParserDelegate {
            var elements: [(name: String, namespace: String?)] = []
            var guids: [String] = []
            var text = ""
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.append((name, namespaceURI))
                text = ""
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "guid" { guids.append(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
        }
        // Foundation's XMLParser on Linux stops the process on a name that is not UTF-8.
        guard String(validating: data, as: UTF8.self) != nil else { return nil }
        let reader = Reader()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = reader
        guard parser.parse(), let root = reader.elements.first, root.name == "feedbackSubmission",
              root.namespace == "https://hashsharing.ncmec.org/hashsharing/v2" else { return nil }
        let names = Set(reader.elements.map(\.name))
        if names.contains("affirmative"), !names.contains("negative") {
            return Vote(member: member, id: id, fingerprint: type, affirmative: true, reasons: [])
        }
        let known = Set(reasons.map(\.guid))
        guard names.contains("negative"), !names.contains("affirmative"), !reader.guids.isEmpty, reader.guids.allSatisfy(known.contains) else { return nil }
        return Vote(member: member, id: id, fingerprint: type, affirmative: false, reasons: reader.guids)
    }

    static func element(_ record: Record, format: Date.ISO8601FormatStyle) -> String {
        let head = #"<member id="\#(record.member)">\#(escape(record.memberName))</member><timestamp>\#(record.timestamp.formatted(format))</timestamp><id>\#(escape(record.id))</id>"#
        if record.deleted { return "<deletedImage>\(head)</deletedImage>" }
        var fingerprints = ""
        if let md5 = record.md5 { fingerprints += "<md5>\(md5)</md5>" }
        if let pdq = record.pdq { fingerprints += "<pdq>\(pdq)</pdq>" }
        let classification = record.classification.map { "<classification>\(escape($0))</classification>" } ?? ""
        return "<image>\(head)\(classification)<fingerprints>\(fingerprints)</fingerprints></image>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func xml(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/xml; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: #"<?xml version="1.0" encoding="UTF-8"?>"# + body)))
    }
}
