import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import VigilTestSupport

/// A secret given to `vigil serve` never reaches its log, at the most verbose level, whatever is
/// done with the credential: created, listed, shown, changed, tested (against the server's own
/// PhotoDNA endpoint, which refuses it) and deleted.
@Suite(.serialized) struct CredentialLogTests {
    @Test func noSecretReachesTheServersLog() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let admin = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let port = try ServeCommandTests.freePort()
        let log = dir.url.appendingPathComponent("serve.log")
        let server = try ServeCommandTests.Server(dataDir: data, port: port, arguments: ["--no-demo-bank", "--log-level", "trace", "--fetch-allow", "127.0.0.0/8"],
                                                  stderr: log)
        try await server.waitReady()
        let base = "http://127.0.0.1:\(port)"
        let secret = "sk-photodna-never-logged-5a7c", changed = "sk-photodna-changed-too-91b2"

        let created = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: admin, json: """
            {"integration": "photodna", "values": {"nickname": "self", "endpoint": "\(base)/photodna/v1.0", "subscription_key": "\(secret)"}}
            """)
        #expect(created.status == 201, "\(created.body)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any])?["id"] as? String)
        _ = try await ReplicaTests.call(.GET, "\(base)/v1/credentials", key: admin)
        _ = try await ReplicaTests.call(.GET, "\(base)/v1/credentials/\(id)", key: admin)
        let bad = try await ReplicaTests.call(.POST, "\(base)/v1/credentials", key: admin,
                                              json: #"{"integration": "photodna", "values": {"subscription_key": "\#(secret)", "requests_per_second": "x"}}"#)
        #expect(bad.status == 400 && !bad.body.contains(secret))
        let patched = try await ReplicaTests.call(.PATCH, "\(base)/v1/credentials/\(id)", key: admin,
                                                  json: #"{"values": {"subscription_key": "\#(changed)"}}"#)
        #expect(patched.status == 200)
        let tested = try await ReplicaTests.call(.POST, "\(base)/v1/credentials/\(id)/test", key: admin)
        #expect(tested.status == 200 && tested.body.contains("HTTP 401"), "\(tested.body)")
        #expect(try await ReplicaTests.call(.DELETE, "\(base)/v1/credentials/\(id)", key: admin).status == 200)
        // Stored data is not logged either: the queries' binds stay out of a trace log.
        let email = "reporter-never-logged@example.com"
        let settings = try await ReplicaTests.call(.PUT, "\(base)/v1/report-settings", key: admin,
                                                   json: #"{"esp_service": "ExampleApp", "reporter": {"email": "\#(email)"}}"#)
        #expect(settings.status == 200, "\(settings.body)")
        #expect(try await server.terminate() == 0)

        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("/v1/credentials"), "the log holds the requests")
        #expect(!text.contains(secret) && !text.contains(changed), "a secret is in the log")
        #expect(!text.contains(admin), "the admin key is in the log")
        #expect(!text.contains(email), "a query's binds are in the log")
        for body in [created.body, patched.body, tested.body] { #expect(!body.contains(secret) && !body.contains(changed)) }
    }

    /// Issue 28: the database was 0644 and evidence directories 0755. Everything in the data
    /// directory is Vigil's user's alone, what an earlier version left there included.
    @Test func theDataDirectoryIsPrivate() async throws {
        let dir = try TemporaryDirectory()
        let data = dir.url.appendingPathComponent("data")
        let manager = FileManager.default
        try manager.createDirectory(at: data.appendingPathComponent("spool"), withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o755])
        try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data.path)
        #expect(manager.createFile(atPath: data.appendingPathComponent("spool/left-by-an-older-version").path, contents: Data("x".utf8),
                                   attributes: [.posixPermissions: 0o644]))
        // Not Vigil's (a data directory given as `.` in a checkout): its mode is kept.
        let foreign = data.appendingPathComponent("run.sh")
        #expect(manager.createFile(atPath: foreign.path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        _ = try await VigilProcess.newKey(role: "admin", dataDir: data)
        let port = try ServeCommandTests.freePort()
        let server = try ServeCommandTests.Server(dataDir: data, port: port, arguments: ["--no-demo-bank"])
        try await server.waitReady()
        var seen = 0
        let walk = try #require(manager.enumerator(at: data, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]))
        for case let url as URL in walk where url.lastPathComponent != foreign.lastPathComponent {
            let values = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values.isSymbolicLink == true { continue }
            let mode = try #require(try manager.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
            #expect(mode == (values.isDirectory == true ? 0o700 : 0o600), "\(url.lastPathComponent): \(String(mode, radix: 8))")
            seen += 1
        }
        #expect(seen >= 4, "the database, the master key, the node id and the old file")
        #expect(try manager.attributesOfItem(atPath: data.path)[.posixPermissions] as? Int == 0o700)
        #expect(try manager.attributesOfItem(atPath: foreign.path)[.posixPermissions] as? Int == 0o755)
        #expect(try await server.terminate() == 0)
    }
}
