import Foundation
import Testing
import VigilTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What a new user tripped over on the command line: each is a clear message and the right exit.
@Suite struct CommandEdgeTests {
    let dir: TemporaryDirectory
    var env: [String: String] { ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": ""] }
    static let bridge = ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg").path

    init() throws { dir = try TemporaryDirectory() }

    func vigil(_ args: [String]) async throws -> VigilProcess.Output { try await VigilProcess.run(args, environment: env) }

    /// No Foundation error domains, no bytes of the input, in what a person reads.
    static func readable(_ text: String) -> Bool {
        !text.contains("NSCocoaErrorDomain") && !text.contains("Error Domain") && !text.unicodeScalars.contains {
            $0 == "\u{FFFD}" || ($0.value < 0x20 && $0 != "\n" && $0 != "\t")
        }
    }

    @Test func versionAndThresholdArguments() async throws {
        let version = try await vigil(["--version"])
        #expect(version.status == 0 && version.stdout.first?.isNumber == true)
        _ = try await vigil(["bank", "create", "b"])
        let negative = try await vigil(["match", "--threshold", "-1", Self.bridge])
        #expect(negative.status != 0 && negative.stderr.contains("between 0 and 256") && !negative.stderr.contains("Missing value"))
    }

    @Test func foldersAreHashedAndMatchedLikeTheyAreImported() async throws {
        let images = dir.url.appendingPathComponent("images/sub")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.bridge, toPath: images.appendingPathComponent("bridge.jpg").path)
        let hashed = try await vigil(["hash", dir.url.appendingPathComponent("images").path])
        #expect(hashed.status == 0 && hashed.stdout.hasPrefix("f8f8f0ce"), "\(hashed.stderr)")
    }

    @Test func importMistakesAreNamedNotDumped() async throws {
        _ = try await vigil(["bank", "create", "b"])
        let folder = try await vigil(["bank", "import", "b", dir.url.path, "--format", "csv"])
        #expect(folder.status == 2 && folder.stderr.contains("is a folder") && Self.readable(folder.stderr), "\(folder.stderr)")
        let image = try await vigil(["bank", "import", "b", Self.bridge, "--format", "csv"])
        #expect(image.status == 2 && image.stderr.contains("binary") && Self.readable(image.stderr + image.stdout), "\(image.stderr)")
        let blocker = try dir.file("not-a-folder", Array("x".utf8))
        let unusable = try await VigilProcess.run(["bank", "create", "x", "--data-dir", blocker.appendingPathComponent("data").path],
                                            environment: ["VIGIL_DATABASE_URL": ""])
        #expect(unusable.status == 2 && unusable.stderr.contains("cannot use") && Self.readable(unusable.stderr), "\(unusable.stderr)")
    }

    /// A list export carries every entry's PDQ and MD5; a CSV export carries snoozes.
    @Test func exportsKeepEverySignalTheFormatCanHold() async throws {
        _ = try await vigil(["bank", "create", "b"])
        #expect(try await vigil(["bank", "import", "b", Self.bridge]).status == 0)
        let list = try await vigil(["bank", "export", "b", "--format", "list"])
        #expect(list.lines.count == 2 && list.lines.contains { $0.count == 32 } && list.lines.contains { $0.count == 64 })
        let csv = try await vigil(["bank", "export", "b"])
        #expect(csv.lines.first?.contains("disabled_until") == true)
    }

    /// A port already in use is one clear error, not an index-load failure first.
    @Test func aPortInUseIsReportedAsSuch() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let served = try await vigil(["serve", "--port", String(port), "--no-demo-bank"])
        #expect(served.status != 0)
        #expect(!served.stderr.contains("index load failed") && served.stderr.lowercased().contains("address already in use"), "\(served.stderr)")
    }
}
