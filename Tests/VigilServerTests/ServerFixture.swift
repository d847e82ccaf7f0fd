import Access
import BankImport
import Banks
import Cases
import Composition
import Jobs
import ContentHashing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageCodecs
import IntegrationClients
import Integrations
import Logging
import Reports
import NIOCore
import SafeFetch
import Storage
import Testing
import VigilServer
import Vault
import VigilTestSupport
import Workflows
import WorkflowSteps

/// A Vigil service on a fresh SQLite file with three keys (admin, curator, matcher), a match
/// bank TEST_BANK (labels A1, verified) holding demo images 0 and 1, and an empty allow bank.
final class ServerFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    /// A PostgreSQL scratch database, dropped with the fixture (SQLite's file is in `directory`).
    let storage: TestDatabase?
    let database: VigilDatabase
    let service: VigilService
    let admin: String
    let curator: String
    let matcher: String
    /// A key of every role (admin, curator and matcher are the three above).
    let keys: [Role: String]
    var analyst: String { keys[.analyst] ?? "" }
    var reviewer: String { keys[.reviewer] ?? "" }
    var reporter: String { keys[.reporter] ?? "" }
    var viewer: String { keys[.viewer] ?? "" }
    /// The service's clock: it moves only when a test says so.
    let clock: TestClock
    let bank: Bank
    let allowBank: Bank
    /// The entry ids of demo images 0 and 1 in TEST_BANK.
    let entryIDs: [Int64]
    /// Runs queued jobs when a test asks (`runJobs()`), so tests decide when work happens.
    let worker: JobWorker
    let engine: WorkflowEngine
    /// What `vigil serve` runs, assembled by `Composition` as it assembles it.
    let assembled: VigilApplication

    /// Runs every due job to its end.
    func runJobs() async throws {
        while try await worker.runNext() {}
    }

    static let loopbackOnly = FetchPolicy(allow: [IPRange.loopbackForTests], totalTimeout: .seconds(30))

    init(_ backend: Backend = .sqlite, settings: ServerSettings = ServerSettings(), policy: FetchPolicy = ServerFixture.loopbackOnly,
         resolver: any HostResolver = SystemResolver(), ready: Bool = true, cyberTiplineTimeout: Duration = .seconds(10)) async throws {
        directory = try TemporaryDirectory()
        let clock = TestClock()
        self.clock = clock
        storage = backend == .postgres ? try TestDatabase.make(backend) : nil
        database = try await VigilDatabase.open(storage?.location ?? .sqlite(path: directory.url.appendingPathComponent("vigil.sqlite").path))
        let stores = Stores(database)
        let banks = Assemble.banks(stores, index: .following(updates: IndexUpdateThreads.runner))
        let keys = KeyService(store: stores.keys)
        var settings = settings
        settings.spoolDirectory = directory.url.appendingPathComponent("spool")
        let fetcher = SafeURLFetcher(policy: policy, resolver: resolver)
        let photoDNA = PhotoDNAClient(fetcher: fetcher, retry: .once, timeout: .seconds(10))
        let probes = CredentialProbes.all(gate: fetcher.gate, photoDNA: photoDNA, benignImage: try DemoImages.jpeg(DemoImages.count))
        let credentials = CredentialService(store: SQLCredentialStore(database: database), box: SecretBox(master: .generate()),
                                            destinations: EndpointRules(gate: fetcher.gate), probes: probes)
        try await credentials.verifyMasterKey()
        let quiet: @Sendable (String) -> Logger = { Logger(label: $0) { _ in SwiftLogNoOpLogHandler() } }
        // The application `vigil serve` runs, assembled the same way, on a clock the test moves.
        let application = try await VigilApplication.assemble(
            stores, banks: banks, keys: keys, credentials: credentials, fetcher: fetcher, photoDNA: photoDNA,
            options: .init(settings: settings, clock: { clock.now }, passwords: BcryptPasswords(cost: 4),
                           cyberTiplineTimeout: cyberTiplineTimeout, cyberTiplineUploadTimeout: cyberTiplineTimeout, logger: quiet,
                           // Tests read /metrics right after what they count: fresh readings each scrape.
                           metricsReadingsMaxAge: .zero))
        assembled = application
        service = application.service
        engine = application.engine
        worker = application.worker(application.jobHandlers + application.runHandlers, logger: quiet("test"))
        admin = try await keys.issue(role: .admin, label: "admin").secret
        curator = try await keys.issue(role: .curator, label: "curator").secret
        matcher = try await keys.issue(role: .matcher, label: "matcher").secret
        var secrets: [Role: String] = [.admin: admin, .curator: curator, .matcher: matcher]
        for role in [Role.analyst, .reviewer, .reporter, .viewer] { secrets[role] = try await keys.issue(role: role, label: role.rawValue).secret }
        self.keys = secrets
        bank = try await banks.createBank(NewBank(name: "TEST_BANK", labels: ["A1", "verified"]))
        allowBank = try await banks.createBank(NewBank(name: "ALLOW_BANK", kind: .allow))
        var entries: [NewEntry] = []
        for index in 0..<2 {
            let signals = try ContentHasher().signals(of: Images.demo(index))
            entries.append(NewEntry(signals: EntrySignals(pdq: signals.pdq, pdqQuality: signals.quality, md5: signals.md5),
                                    metadata: EntryMetadata(externalID: "case-\(index)", source: "fixture", note: "demo \(index)"),
                                    addedBy: "test"))
        }
        entryIDs = try await banks.addEntries(entries, to: bank).inserted.map(\.entryID)
        if ready { await service.readiness.loadIndex(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) }
    }

    /// The hashing pool's threads hold the pool: without this, every fixture left two idle threads
    /// behind for the rest of the suite.
    deinit { service.hashingPool.shutdown() }

    func application() -> some ApplicationProtocol {
        Application(router: VigilRouter.build(service: service, accessLogger: Logger(label: "access") { _ in SwiftLogNoOpLogHandler() }),
                    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Runs `body` against the router (or a live server) and closes storage afterwards.
    func test(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await application().test(setup, body)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }
}

extension ServerFixture {
    /// Storage with nothing in it, as on a first start.
    struct Empty {
        let directory: TemporaryDirectory
        let database: VigilDatabase
        let banks: BankService
        let keys: KeyService
    }

    static func empty() async throws -> Empty {
        let directory = try TemporaryDirectory()
        let database = try await VigilDatabase.open(.sqlite(path: directory.url.appendingPathComponent("vigil.sqlite").path))
        let banks = Assemble.banks(Stores(database), index: .loadedOnce)
        try await banks.loadIndex()
        return Empty(directory: directory, database: database, banks: banks, keys: KeyService(store: SQLKeyStore(database: database)))
    }
}

/// A response, decoded.
struct Reply: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
    var array: [Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [Any]) ?? [] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
}

extension TestClientProtocol {
    func call(_ method: HTTPRequest.Method, _ uri: String, key: String? = nil, header: String = "Authorization",
              contentType: String? = nil, body: [UInt8]? = nil) async throws -> Reply {
        var headers = HTTPFields()
        if let key, let name = HTTPField.Name(header) { headers[name] = header == "Authorization" ? "Bearer \(key)" : key }
        if let contentType { headers[.contentType] = contentType }
        let reply = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Array(response.body.readableBytesView))
        }
        // Every answer an API test reads keeps the OpenAPI document's contract.
        let checked = OpenAPIContract.shared.check(method.rawValue, uri, status: reply.status, contentType: reply.headers[.contentType], body: reply.body)
        for problem in checked.problems { Issue.record(Comment(rawValue: "OpenAPI contract: \(problem)")) }
        if let reached = checked.reached { OpenAPIContract.reached(reached) }
        return reply
    }

    /// A decision (`body`, a JSON object without `version`) on the version the case is at now, as
    /// a reviewer who just read it makes it.
    func decide(_ caseID: Int, _ body: String, key: String) async throws -> Reply {
        let current = try await call(.get, "/v1/cases/\(caseID)", key: key)
        let version = current.json["version"] as? Int ?? 0
        return try await json(.post, "/v1/cases/\(caseID)/decisions", key: key, String(body.dropLast()) + #","version":\#(version)}"#)
    }

    func json(_ method: HTTPRequest.Method, _ uri: String, key: String?, _ text: String) async throws -> Reply {
        try await call(method, uri, key: key, contentType: "application/json", body: Array(text.utf8))
    }

    func multipart(_ uri: String, key: String?, method: HTTPRequest.Method = .post,
                   parts: [(name: String, filename: String?, bytes: [UInt8])]) async throws -> Reply {
        let form = MultipartBody(parts: parts, fileType: "application/octet-stream")
        return try await call(method, uri, key: key, contentType: form.contentType, body: form.bytes)
    }
}

/// A multipart/form-data body as a browser's upload form sends it.
struct MultipartBody {
    static let boundary = "vigil-test-boundary-7d1f"
    let bytes: [UInt8]
    var contentType: String { "multipart/form-data; boundary=\(Self.boundary)" }

    init(parts: [(name: String, filename: String?, bytes: [UInt8])], fileType: String) {
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: \(fileType)" }
            head += "\r\n\r\n"
            body += Array(head.utf8) + part.bytes + Array("\r\n".utf8)
        }
        bytes = body + Array("--\(Self.boundary)--\r\n".utf8)
    }
}

/// Benign test pictures.
enum Images {
    static func demo(_ index: Int) throws -> [UInt8] { try DemoImages.jpeg(index) }

    /// A flat-colour JPEG of any size (PDQ quality 0: nothing to hash).
    static func solid(width: Int, height: Int) throws -> [UInt8] {
        try JPEGEncoder.encode(rgb: [UInt8](repeating: 90, count: width * height * 3), width: width, height: height)
    }

    /// A textured JPEG of any size.
    static func textured(width: Int, height: Int) throws -> [UInt8] {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                rgb[i] = UInt8((x * 7 + y * 3) % 256)
                rgb[i + 1] = UInt8((x * x / 3 + y) % 256)
                rgb[i + 2] = UInt8((x ^ y) % 256)
            }
        }
        return try JPEGEncoder.encode(rgb: rgb, width: width, height: height)
    }

    /// A distinct photograph-like image for each seed: seeded noise, 64×64, a usable PDQ.
    static func noise(seed: UInt64) throws -> [UInt8] {
        var generator = HashGenerator(seed: seed)
        var rgb = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for i in stride(from: 0, to: rgb.count, by: 8) {
            let word = generator.next()
            for j in 0..<min(8, rgb.count - i) { rgb[i + j] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(j))) }
        }
        return try JPEGEncoder.encode(rgb: rgb, width: 64, height: 64)
    }

    static func reference(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: ReferenceData.pdqDirectory.appendingPathComponent(name)))
    }
}

extension IPRange {
    /// 127.0.0.1/32: the tests' local origin servers.
    static var loopbackForTests: IPRange {
        guard let range = IPRange("127.0.0.1/32") else { preconditionFailure("127.0.0.1/32 is a valid range") }
        return range
    }
}

extension ServerFixture {
    /// A case opened as a workflow opens one for a match it made: evidence naming the entry and its
    /// bank, with the image's signals (what the verdict counts and votes are checked against).
    func openMatchedCase(bank: String, entryID: Int64, md5: String? = nil, pdq: String? = nil, distance: Int? = nil) async throws -> Int {
        let evidence = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: bank, entryID: entryID, distance: distance),
                                   signals: EvidenceSignals(pdq: pdq, md5: md5))
        let opened = try await service.cases.open(NewCase(title: "match in \(bank)", evidence: [evidence]), actor: "workflow:screen-uploads")
        return Int(opened.case.id)
    }

    /// As `openMatchedCase`, with the image itself: hashed by Vigil and kept with the evidence, as
    /// a workflow's case step keeps the image it was given (what votes to a list need).
    func openMatchedCase(bank: String, entryID: Int64, image: [UInt8]) async throws -> Int {
        let signals = try ContentHasher().signals(of: image)
        let kept = try await service.media.keep(image, sha256: signals.sha256, contentType: "image/jpeg")
        let evidence = NewEvidence(match: EvidenceMatch(provider: "vigil", bank: bank, entryID: entryID),
                                   signals: EvidenceSignals(pdq: signals.pdq.hex, md5: signals.md5, sha256: signals.sha256), mediaSHA256: kept.sha256)
        let opened = try await service.cases.open(NewCase(title: "match in \(bank)", evidence: [evidence]), actor: "workflow:screen-uploads")
        return Int(opened.case.id)
    }
}
