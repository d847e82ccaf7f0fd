import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VigilTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `vigil serve` and `vigil keys` as an operator runs them: first start, a match from the demo
/// bank, keys made by the CLI, SIGTERM draining a request in flight.
@Suite(.serialized) struct ServeCommandTests {
    final class Server {
        let process = Process()
        let stdout: URL
        let port: Int

        /// - Parameter stderr: where the server's log goes (nowhere by default).
        init(dataDir: URL, port: Int?, environment: [String: String] = [:], arguments: [String] = [], stderr: URL? = nil) throws {
            self.port = port ?? 0
            stdout = dataDir.deletingLastPathComponent().appendingPathComponent("serve-\(UUID().uuidString.prefix(6)).out")
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            process.executableURL = VigilProcess.executable
            process.arguments = ["serve", "--data-dir", dataDir.path, "--log-level", "warning"] + (port.map { ["--port", String($0)] } ?? []) + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                .filter { $0.key != "VIGIL_DATABASE_URL" && (!$0.key.hasPrefix("OTEL_") || environment[$0.key] != nil) }
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            if let stderr {
                _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
                process.standardError = try FileHandle(forWritingTo: stderr)
            } else {
                process.standardError = FileHandle.nullDevice
            }
            try process.run()
        }

        /// A test that fails before it stops its server must not leave the process running.
        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }

        func waitReady(port: Int? = nil) async throws {
            let port = port ?? self.port
            for _ in 0..<300 {
                if let status = try? await ServeCommandTests.get("http://127.0.0.1:\(port)/status/ready").status, status == 200 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CancellationError()
        }

        /// SIGTERM, and its exit status once it has stopped (waited for on a thread of its own).
        func terminate() async throws -> Int32 {
            let process = self.process
            return try await Blocking.run {
                process.terminate()
                process.waitUntilExit()
                return process.terminationStatus
            }
        }

        /// SIGKILL: the process dies mid-way.
        func kill9() async throws {
            let process = self.process
            _ = try await Blocking.run {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return process.terminationStatus
            }
        }
    }

    static func freePort() throws -> Int { try FreePort.loopback() }

    static func get(_ url: String, key: String? = nil) async throws -> (status: Int, body: String) {
        try await request(url, key: key, body: nil, type: nil)
    }

    /// GET without a body, POST with one.
    static func request(_ url: String, key: String?, body: [UInt8]?, type: String?) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = body == nil ? .GET : .POST
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let type { request.headers.add(name: "Content-Type", value: type) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: bytes))
    }

    @Test func firstStartPrintsAnAdminKeyOnceAndTheDemoBankMatches() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let origin = try await OriginServer.start()
        let port = try Self.freePort()
        let server = try Server(dataDir: data, port: port, environment: ["VIGIL_FETCH_ALLOW": "127.0.0.1/32"])
        try await server.waitReady()
        let printed = server.output
        let admin = try #require(printed.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("vgl_") })
        #expect(printed.contains("VIGIL_DEMO"))
        // The demo workflow, and what a local image URL needs.
        #expect(printed.contains("Screen uploaded image") && printed.contains("/v1/workflows/Screen%20uploaded%20image/runs"))
        #expect(printed.contains("--fetch-allow 127.0.0.0/8"))

        let demo = try [UInt8](Data(contentsOf: data.appendingPathComponent("demo/demo-1.jpg")))
        let match = try await Self.request("http://127.0.0.1:\(port)/v1/match", key: admin, body: demo, type: "image/jpeg")
        #expect(match.status == 200 && match.body.contains(#""is_match":true"#))

        // A key made by the CLI works at once against the running server.
        let made = try await VigilProcess.run(["keys", "create", "--role", "matcher", "--data-dir", data.path], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(made.status == 0 && made.lines.count == 1 && made.stdout.hasPrefix("vgl_"))
        let secret = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await Self.get("http://127.0.0.1:\(port)/m/index/status", key: secret).status == 200)
        #expect(try await Self.get("http://127.0.0.1:\(port)/v1/keys", key: secret).status == 403)
        let badRole = try await VigilProcess.run(["keys", "create", "--role", "root", "--data-dir", data.path], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(badRole.status != 0 && badRole.stdout.isEmpty)

        // curl sends `Expect: 100-continue` with bodies over 1 MB and waits a second for the interim
        // response before sending; the server answers it at once.
        let big = try dir.file("big.bin", [UInt8](repeating: 0x41, count: 1_500_000))
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sv", "-o", "/dev/null", "-H", "Authorization: Bearer \(admin)", "-H", "Content-Type: image/jpeg",
                          "--data-binary", "@\(big.path)", "http://127.0.0.1:\(port)/v1/hash"]
        let curlErr = Pipe()
        curl.standardError = curlErr
        try curl.run()
        let trace = try await Blocking.run {
            let text = String(decoding: curlErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            curl.waitUntilExit()
            return text
        }
        #expect(trace.contains("< HTTP/1.1 100 Continue") && trace.contains("< HTTP/1.1 415"))

        // SIGTERM while a request is in flight: the request completes, then the process exits 0.
        let inFlight = Task {
            try await Self.request("http://127.0.0.1:\(port)/v1/match", key: admin,
                                   body: Array(#"{"url": "\#(origin.url("/slow-2s"))"}"#.utf8), type: "application/json")
        }
        try await Task.sleep(for: .milliseconds(700))
        #expect(try await server.terminate() == 0)
        let drained = try await inFlight.value
        #expect(drained.status == 200 && drained.body.contains(#""is_match":true"#))

        // The second start creates nothing and prints no key.
        let again = try Server(dataDir: data, port: port)
        try await again.waitReady()
        #expect(!again.output.contains("vgl_"))
        #expect(try await again.terminate() == 0)
        try await origin.stop()
    }

    /// Flags beat VIGIL_* variables, which beat the config file.
    @Test func settingsComeFromFlagsEnvironmentAndTheConfigFile() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let (filePort, envPort, flagPort) = (try Self.freePort(), try Self.freePort(), try Self.freePort())
        // Issue 32: every setting of the documented settings file may be in a config file (the
        // guards and the exposure budget were refused as unknown keys).
        let config = try dir.file("vigil.json", Array(#"""
            {"port": \#(filePort), "photodna_min_side": 200, "flood_limit_per_hour": 100, "false_positive_limit": 5,
             "screened_signals_days": 30, "reveal_seconds": 20, "exposure_reveals_per_shift": 40, "exposure_seconds_per_shift": 1200,
             "exposure_shift_hours": 6}
            """#.utf8))

        let fromFile = try Server(dataDir: data, port: nil, arguments: ["--config", config.path, "--no-demo-bank"])
        try await fromFile.waitReady(port: filePort)
        #expect(try await fromFile.terminate() == 0)
        #expect(fromFile.output.contains("vgl_") && !fromFile.output.contains("VIGIL_DEMO"))

        let fromEnvironment = try Server(dataDir: data, port: nil, environment: ["VIGIL_PORT": String(envPort), "VIGIL_CONFIG": config.path])
        try await fromEnvironment.waitReady(port: envPort)
        #expect(try await fromEnvironment.terminate() == 0)

        let fromFlag = try Server(dataDir: data, port: flagPort, environment: ["VIGIL_PORT": String(envPort), "VIGIL_CONFIG": config.path])
        try await fromFlag.waitReady()
        #expect(try await fromFlag.terminate() == 0)

        let bad = try await VigilProcess.run(["serve", "--data-dir", data.path, "--config", dir.url.appendingPathComponent("missing.json").path],
                                       environment: ["VIGIL_DATABASE_URL": ""])
        #expect(bad.status == 2 && bad.stderr.contains("cannot read config file"))
        let typo = try dir.file("typo.json", Array(#"{"prot": 9000}"#.utf8))
        let misspelt = try await VigilProcess.run(["serve", "--data-dir", data.path, "--config", typo.path], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(misspelt.status == 2 && misspelt.stderr.contains("unknown key \"prot\""))
        let badAllow = try await VigilProcess.run(["serve", "--data-dir", data.path, "--fetch-allow", "not-a-range"], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(badAllow.status == 2 && badAllow.stderr.contains("not-a-range"))
        // Every setting's bad value is an error that names it.
        for (variable, value) in [("VIGIL_DEMO_BANK", "maybe"), ("VIGIL_HASH_THREADS", "many"), ("VIGIL_HASH_QUEUE", "-1"), ("VIGIL_PORT", "http")] {
            let bad = try await VigilProcess.run(["serve", "--data-dir", data.path], environment: ["VIGIL_DATABASE_URL": "", variable: value])
            #expect(bad.status == 2 && bad.stderr.contains(variable), "\(variable)=\(value): \(bad.stderr)")
        }
    }

    /// Every command reads its settings the same way (flag, VIGIL_* variable, config file), and a
    /// bad value anywhere is an error naming the setting, never a silent default.
    @Test func everyCommandReadsTheSameSettingsAndRefusesBadValues() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("from-file")
        let config = try dir.file("vigil.json", Array(#"{"data_dir": "\#(data.path)", "max_pixels": 100}"#.utf8))
        let created = try await VigilProcess.run(["bank", "create", "FROM_FILE", "--config", config.path], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(created.status == 0, "\(created.stderr)")
        // The bank went into the config file's data directory.
        let listed = try await VigilProcess.run(["bank", "list", "--data-dir", data.path], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(listed.status == 0 && listed.stdout.contains("FROM_FILE"), "\(listed.stderr)")
        // The config file's decoder limit applies to `vigil hash` (100 pixels: every real image is refused) ...
        let image = ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg").path
        let limited = try await VigilProcess.run(["hash", image], environment: ["VIGIL_CONFIG": config.path])
        #expect(limited.status != 0 && limited.stdout.contains("too_many_pixels") || limited.stderr.contains("pixels"), "\(limited.stdout) \(limited.stderr)")
        // ... unless the environment says otherwise, and a flag beats both.
        let fromEnvironment = try await VigilProcess.run(["hash", image], environment: ["VIGIL_CONFIG": config.path, "VIGIL_MAX_PIXELS": "5000000"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        let fromFlag = try await VigilProcess.run(["hash", "--max-pixels", "5000000", image], environment: ["VIGIL_CONFIG": config.path, "VIGIL_MAX_PIXELS": "1"])
        #expect(fromFlag.status == 0, "\(fromFlag.stderr)")

        let refused: [([String], [String: String], String)] = [
            (["hash", image], ["VIGIL_MAX_PIXELS": "lots"], "VIGIL_MAX_PIXELS"),
            (["bank", "list"], ["VIGIL_CONFIG": try dir.file("bad.json", Array(#"{"data_dir": 7}"#.utf8)).path], "data_dir"),
            (["serve", "--data-dir", data.path], ["VIGIL_LOG_LEVEL": "loud"], "VIGIL_LOG_LEVEL"),
            (["serve", "--data-dir", data.path], ["VIGIL_FETCH_TIMEOUT_SECONDS": "soon"], "VIGIL_FETCH_TIMEOUT_SECONDS"),
            (["serve", "--data-dir", data.path], ["VIGIL_PUBLIC_URL": "vigil.example.org/cases?x=1"], "VIGIL_PUBLIC_URL"),
            (["serve", "--data-dir", data.path], ["VIGIL_CONFIG": try dir.file("port.json", Array(#"{"port": "eighty"}"#.utf8)).path], "VIGIL_PORT"),
            (["bank", "import", "FROM_FILE", image, "--data-dir", data.path], ["VIGIL_MAX_IMAGE_BYTES": "0"], "VIGIL_MAX_IMAGE_BYTES"),
        ]
        for (arguments, environment, setting) in refused {
            let run = try await VigilProcess.run(arguments, environment: environment.merging(["VIGIL_DATABASE_URL": ""]) { $1 })
            #expect(run.status == 2 && run.stderr.contains(setting), "\(arguments) \(environment): \(run.stderr)")
        }
    }

    /// The first start creates the credential vault's key file, readable by its owner only; a start
    /// with another master key is refused before it serves, with a message that says so.
    @Test func anotherMasterKeyIsRefusedAtStart() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let first = try Server(dataDir: data, port: try Self.freePort(), arguments: ["--no-demo-bank"])
        do {
            try await first.waitReady()
        } catch {
            _ = try await first.terminate()
            throw error
        }
        #expect(try await first.terminate() == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("master.key").path)
        #expect(((attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0) & 0o777 == 0o600)
        let other = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let refused = try await VigilProcess.run(["serve", "--data-dir", data.path, "--no-demo-bank"],
                                           environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": other])
        #expect(refused.status == 2 && refused.stderr.contains("master key is not the one"), "\(refused.stderr)")
        let malformed = try await VigilProcess.run(["serve", "--data-dir", data.path], environment: ["VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "short"])
        #expect(malformed.status == 2 && malformed.stderr.contains("VIGIL_MASTER_KEY"), "\(malformed.stderr)")
    }

    /// The demo bank can be turned off from the environment and the config file too, not only by flag.
    @Test func theDemoBankCanBeTurnedOffEveryWay() async throws {
        let dir = try TemporaryDirectory()
        let config = try dir.file("vigil.json", Array(#"{"demo_bank": false}"#.utf8))
        for (name, environment, arguments) in [("env", ["VIGIL_DEMO_BANK": "false"], [String]()), ("file", [:], ["--config", config.path])] {
            let data = dir.url.appendingPathComponent(name)
            let port = try Self.freePort()
            let server = try Server(dataDir: data, port: port, environment: environment, arguments: arguments)
            try await server.waitReady()
            #expect(try await server.terminate() == 0)
            #expect(server.output.contains("vgl_") && !server.output.contains("VIGIL_DEMO"), "\(name)")
        }
    }
}
