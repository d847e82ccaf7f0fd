import Foundation
import Testing
import VigilTestSupport

/// `vigil credentials` and `vigil keys rotate-master` as an operator runs them: secrets from
/// standard input only, masked on the way out, still readable after a rotation, and an
/// interrupted rotation finished by the next command.
@Suite struct CredentialsCommandTests {
    let dir: TemporaryDirectory
    /// The local mocks listen on loopback: the operator's leave, as `vigil serve` takes it.
    var env: [String: String] { ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "", "VIGIL_FETCH_ALLOW": "127.0.0.0/8"] }
    static let secret = "pdna-cli-secret-77aa91"

    init() throws { dir = try TemporaryDirectory() }

    func vigil(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> VigilProcess.Output {
        try await VigilProcess.run(args, stdin: stdin.map { Data($0.utf8) }, environment: env.merging(environment) { $1 })
    }

    /// Issue 32: a database whose secrets are sealed, opened without their key (the key file
    /// lost, VIGIL_MASTER_KEY not set), is refused in words; no new key file is made, which would
    /// open nothing and refuse every later start.
    @Test func aSealedDatabaseWithoutItsKeyIsRefusedAndNoKeyIsMade() async throws {
        #expect(try await vigil(["keys", "create", "--role", "admin"]).status == 0)
        #expect(try await vigil(["credentials", "list"]).status == 0)
        let keyFile = dir.url.appendingPathComponent("master.key")
        try FileManager.default.removeItem(at: keyFile)
        let refused = try await vigil(["credentials", "list"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("sealed under a master key, and none was given") && refused.stderr.contains(keyFile.path), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: keyFile.path))
    }

    func add() async throws -> String {
        let added = try await vigil(["credentials", "add", "--integration", "photodna", "--value", "nickname=prod"], stdin: Self.secret + "\n")
        try #require(added.status == 0, "\(added.stderr)")
        #expect(!added.stdout.contains(Self.secret) && !added.stderr.contains(Self.secret))
        #expect(added.stderr.contains("subscription_key: ••••aa91"))
        // Standard output is the id alone, as `ID=$(vigil credentials add …)` wants it.
        try #require(added.lines.count == 1, "\(added.stdout)")
        #expect(added.stderr.contains("id: \(added.lines[0])"))
        return added.lines[0]
    }

    @Test func addListShowTestAndDelete() async throws {
        let id = try await add()
        let listed = try await vigil(["credentials", "list"])
        #expect(listed.status == 0 && listed.stdout.contains("\(id)\tphotodna\tprod\tsubscription_key=••••"))
        let shown = try await vigil(["credentials", "show", id])
        #expect(shown.status == 0 && shown.stdout.contains("endpoint: https://api.microsoftmoderator.com/photodna/v1.0"))
        for output in [listed, shown] { #expect(!output.stdout.contains(Self.secret)) }

        // A credential whose service cannot be reached: the test says so and exits 1.
        let unreachable = try await vigil(["credentials", "add", "--integration", "ncmec_cybertipline", "--value", "nickname=mock",
                                     "--value", "username=esp", "--value", "endpoint=http://127.0.0.1:9"], stdin: "pw-never-shown\n")
        try #require(unreachable.status == 0, "\(unreachable.stderr)")
        let ncmec = try #require(unreachable.lines.first?.split(separator: " ").last.map(String.init))
        let tested = try await vigil(["credentials", "test", ncmec])
        #expect(tested.status == 1 && tested.stdout.contains("The CyberTipline at http://127.0.0.1:9 was not tested"), "\(tested.stdout)\(tested.stderr)")
        #expect(!tested.stdout.contains("pw-never-shown"))

        // The CyberTipline credential is the one reporting would use (the settings name none):
        // the command line keeps it as the server does.
        let kept = try await vigil(["credentials", "delete", ncmec])
        #expect(kept.status != 0 && kept.stderr.contains("reporting to NCMEC"), "\(kept.stdout)\(kept.stderr)")
        #expect(try await vigil(["credentials", "delete", ncmec, "--force"]).status == 0)
        #expect(try await vigil(["credentials", "delete", id]).status == 0)
        #expect(try await vigil(["credentials", "show", id]).status == 2)
        #expect(try await vigil(["credentials", "list"]).lines.isEmpty)
    }

    @Test func aSecretIsNeverTakenFromAnArgument() async throws {
        let refused = try await vigil(["credentials", "add", "--integration", "photodna", "--value", "nickname=x", "--value", "subscription_key=\(Self.secret)"])
        #expect(refused.status != 0 && refused.stderr.contains("never from an argument"), "\(refused.stderr)")
        let empty = try await vigil(["credentials", "add", "--integration", "photodna", "--value", "nickname=x"], stdin: "")
        #expect(empty.status == 2 && empty.stderr.contains("subscription_key: no value on standard input"), "\(empty.stderr)")
        let unknown = try await vigil(["credentials", "add", "--integration", "telepathy"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no integration \"telepathy\""))
    }

    @Test func rotatingTheKeyFileKeepsEverySecretReadable() async throws {
        let id = try await add()
        let keyFile = dir.url.appendingPathComponent("master.key")
        let before = try String(contentsOf: keyFile, encoding: .utf8)
        let rotated = try await vigil(["keys", "rotate-master"])
        #expect(rotated.status == 0 && rotated.stdout.contains("re-sealed 1 credentials"), "\(rotated.stderr)")
        let after = try String(contentsOf: keyFile, encoding: .utf8)
        #expect(after != before)
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try await vigil(["credentials", "show", id]).stdout.contains("subscription_key: ••••aa91"))

        // A crash after the commit, before the new key file took the old one's place: the old
        // key is refused, the next command finds master.key.next, checks it and finishes.
        let next = dir.url.appendingPathComponent("master.key.next")
        try after.write(to: next, atomically: false, encoding: .utf8)
        try before.write(to: keyFile, atomically: false, encoding: .utf8)
        let recovered = try await vigil(["credentials", "show", id])
        #expect(recovered.status == 0 && recovered.stdout.contains("subscription_key: ••••aa91"), "\(recovered.stderr)")
        #expect(try String(contentsOf: keyFile, encoding: .utf8) == after)
        #expect(!FileManager.default.fileExists(atPath: next.path))
    }

    @Test func rotatingAnEnvironmentKeyNeedsTheNewOneFromTheEnvironment() async throws {
        let old = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let new = Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()
        let added = try await vigil(["credentials", "add", "--integration", "webhook", "--value", "nickname=h", "--value", "url=https://93.184.215.14/hook"],
                              stdin: "whsec-env-rotation\n", environment: ["VIGIL_MASTER_KEY": old])
        try #require(added.status == 0, "\(added.stderr)")
        let refused = try await vigil(["keys", "rotate-master"], environment: ["VIGIL_MASTER_KEY": old])
        #expect(refused.status == 2 && refused.stderr.contains("VIGIL_NEW_MASTER_KEY"), "\(refused.stderr)")
        let rotated = try await vigil(["keys", "rotate-master"], environment: ["VIGIL_MASTER_KEY": old, "VIGIL_NEW_MASTER_KEY": new])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let withOld = try await vigil(["credentials", "list"], environment: ["VIGIL_MASTER_KEY": old])
        #expect(withOld.status == 2 && withOld.stderr.contains("the master key is not the one"), "\(withOld.stderr)")
        let withNew = try await vigil(["credentials", "list"], environment: ["VIGIL_MASTER_KEY": new])
        #expect(withNew.status == 0 && withNew.stdout.contains("signing_secret=••••"))
    }
}

/// `vigil bank source` and `vigil bank sync` against `vigil mock ncmec-hash-sharing`, each its
/// own process, as in the README's demo.
@Suite struct BankSyncCommandTests {
    @Test func aBankFollowsTheMockListFromTheCommandLine() async throws {
        let dir = try TemporaryDirectory()
        let env = ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": "", "VIGIL_MASTER_KEY": "", "VIGIL_FETCH_ALLOW": "127.0.0.0/8"]
        let port = Int.random(in: 30_000..<40_000)
        let mock = Process()
        mock.executableURL = VigilProcess.executable
        mock.arguments = ["mock", "ncmec-hash-sharing", "--port", String(port), "--page-size", "3"]
        mock.standardOutput = FileHandle.nullDevice
        mock.standardError = FileHandle.nullDevice
        try mock.run()
        defer { mock.terminate() }
        func vigil(_ args: [String], stdin: String? = nil) async throws -> VigilProcess.Output {
            try await VigilProcess.run(args, stdin: stdin.map { Data($0.utf8) }, environment: env)
        }
        #expect(try await vigil(["bank", "create", "NCMEC"]).status == 0)
        let added = try await vigil(["credentials", "add", "--integration", "ncmec_hash_sharing", "--value", "nickname=mock",
                               "--value", "username=esp-user", "--value", "endpoint=http://127.0.0.1:\(port)"], stdin: "esp-password\n")
        let id = try #require(added.lines.first?.split(separator: " ").last.map(String.init), "\(added.stderr)")
        // The mock may still be starting: its credential test says when it answers.
        var tested = try await vigil(["credentials", "test", id])
        for _ in 0..<50 where tested.status != 0 {
            try await Task.sleep(for: .milliseconds(100))
            tested = try await vigil(["credentials", "test", id])
        }
        #expect(tested.status == 0, "\(tested.stdout)")
        #expect(try await vigil(["bank", "source", "NCMEC", "--credential", id, "--interval", "600"]).status == 0)
        let synced = try await vigil(["bank", "sync", "NCMEC"])
        #expect(synced.status == 0 && synced.stdout.contains("2 pages, 4 added"), "\(synced.stdout)\(synced.stderr)")
        let again = try await vigil(["bank", "sync", "NCMEC"])
        #expect(again.status == 0 && again.stdout.contains("0 added"), "\(again.stdout)")
        #expect(try await vigil(["bank", "list"]).stdout.contains("entries=4"))
        let source = try await vigil(["bank", "source", "NCMEC"])
        #expect(source.stdout.contains("last sync:") && !source.stdout.contains("checkpoint: none"))
        let none = try await vigil(["bank", "sync", "MISSING"])
        #expect(none.status == 2)
    }
}
