import Foundation
import Testing
import VigilTestSupport

/// `vigil bank` and `vigil match` as scripts use them: flags, environment, output, exit codes.
@Suite struct BankCommandTests {
    let dir: TemporaryDirectory
    var env: [String: String] { ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": ""] }
    static let bridge = ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg").path
    static let rotated = ReferenceData.url("reg-test-input/dih/bridge-2-rotate-90.jpg").path
    static let other = ReferenceData.url("reg-test-input/labelme-subset/q1050.jpg").path

    init() throws { dir = try TemporaryDirectory() }

    func vigil(_ args: [String]) async throws -> VigilProcess.Output { try await VigilProcess.run(args, environment: env) }

    @Test func createImportListMatchExport() async throws {
        #expect(try await vigil(["bank", "create", "demo", "--label", "A1", "--threshold", "31"]).status == 0)
        let imported = try await vigil(["bank", "import", "demo", Self.bridge])
        #expect(imported.status == 0 && imported.stdout.contains("1 added"))
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("vigil.sqlite").path))

        let list = try await vigil(["bank", "list", "--format", "json"])
        let bank = try JSONObject.parse(list.stdout)
        #expect(bank["name"] as? String == "demo" && bank["entries"] as? Int == 1 && bank["labels"] as? [String] == ["A1"])

        let match = try await vigil(["match", "--format", "json", Self.bridge, Self.other])
        #expect(match.status == 1)
        let lines = try match.lines.map(JSONObject.parse)
        try #require(lines.count == 2)
        #expect(lines[0]["is_match"] as? Bool == true && lines[1]["is_match"] as? Bool == false)
        let hits = try #require(lines[0]["matches"] as? [[String: Any]])
        let pdqHit = try #require(hits.first { $0["signal"] as? String == "pdq" })
        #expect(pdqHit["bank"] as? String == "demo" && pdqHit["distance"] as? Int == 0 && pdqHit["variant"] as? String == "original")
        #expect(lines[0]["suppressed"] as? [Any] != nil)

        #expect(try await vigil(["match", Self.other]).status == 0)
        let csv = try await vigil(["bank", "export", "demo"])
        #expect(csv.lines.first == "pdq,pdq_quality,md5,sha256,external_id,source,note,disabled_until")
        #expect(csv.lines.count == 2 && csv.lines[1].hasPrefix("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100,"))
    }

    @Test func enhancedMatchingFindsRotations() async throws {
        _ = try await vigil(["bank", "create", "demo"])
        _ = try await vigil(["bank", "import", "demo", Self.bridge])
        let plain = try await vigil(["match", "--format", "json", Self.rotated])
        #expect(plain.status == 0)
        let enhanced = try await vigil(["match", "--enhanced", "--format", "json", Self.rotated])
        #expect(enhanced.status == 1)
        let object = try JSONObject.parse(enhanced.stdout)
        let hit = try #require(object["matches"] as? [[String: Any]]).first { $0["signal"] as? String == "pdq" }
        #expect(hit?["variant"] as? String == "rotate270")
        #expect((hit?["distance"] as? Int ?? 99) <= 31)
    }

    @Test func allowBankSuppressesAndThresholdOverrides() async throws {
        _ = try await vigil(["bank", "create", "bad"])
        _ = try await vigil(["bank", "import", "bad", Self.bridge])
        _ = try await vigil(["bank", "create", "fp", "--kind", "allow"])
        _ = try await vigil(["bank", "import", "fp", Self.bridge])
        let result = try await vigil(["match", "--format", "json", Self.bridge])
        #expect(result.status == 0)
        let object = try JSONObject.parse(result.stdout)
        #expect((object["matches"] as? [Any])?.isEmpty == true && (object["suppressed"] as? [Any])?.isEmpty == false)
        let text = try await vigil(["match", Self.bridge])
        #expect(text.stdout.contains("suppressed bank=bad"))
    }

    @Test func errorsAreClearAndExitTwo() async throws {
        _ = try await vigil(["bank", "create", "exists"])
        let missing = try await vigil(["bank", "show", "nope"])
        #expect(missing.status == 2 && missing.stderr.contains("bank \"nope\" not found"))
        let invalid = try await vigil(["bank", "create", "bad name"])
        #expect(invalid.status == 2 && invalid.stderr.contains("bank name"))
        _ = try await vigil(["bank", "create", "dup"])
        #expect(try await vigil(["bank", "create", "dup"]).stderr.contains("already exists"))
        let badURL = try await VigilProcess.run(["bank", "list", "--database-url", "mysql://x"], environment: env)
        #expect(badURL.status != 0 && badURL.stderr.contains("postgres://"))
        let unreadable = try await vigil(["match", "/no/such.jpg"])
        #expect(unreadable.status == 2 && unreadable.stderr.contains("no such file"))
    }

    @Test func importReportsRejectedLinesAndExitsOne() async throws {
        _ = try await vigil(["bank", "create", "b"])
        let file = try dir.file("list.txt", Array("\(String(repeating: "a", count: 64))\nxyz\n".utf8))
        let result = try await vigil(["bank", "import", "b", file.path, "--format", "list"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("1 added") && result.stderr.contains("list.txt:2: rejected"))
    }

    @Test func databaseURLFlagAndEnvironmentSelectTheDatabase() async throws {
        let other = dir.url.appendingPathComponent("elsewhere/other.sqlite").path
        #expect(try await VigilProcess.run(["bank", "create", "x", "--database-url", "sqlite:\(other)"], environment: env).status == 0)
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(try await vigil(["bank", "list"]).stdout.isEmpty)
        let viaEnv = try await VigilProcess.run(["bank", "list"], environment: ["VIGIL_DATABASE_URL": "sqlite:\(other)"])
        #expect(viaEnv.stdout.hasPrefix("x\t"))
        let second = dir.url.appendingPathComponent("d2").path
        #expect(try await VigilProcess.run(["bank", "create", "y", "--data-dir", second], environment: ["VIGIL_DATABASE_URL": ""]).status == 0)
        let viaFlag = try await VigilProcess.run(["bank", "list", "--data-dir", second], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(viaFlag.status == 0 && viaFlag.stdout.hasPrefix("y\t"))
    }

    /// Read-only commands never create a database: a wrong data directory is an error, not an
    /// empty answer; and a misspelt --bank is an error, not "no match".
    @Test func readOnlyCommandsRefuseAMissingDatabaseAndUnknownBanks() async throws {
        let nowhere = dir.url.appendingPathComponent("no-such-dir").path
        let match = try await VigilProcess.run(["match", "--data-dir", nowhere, Self.bridge], environment: ["VIGIL_DATABASE_URL": ""])
        #expect(match.status == 2 && match.stderr.contains("no Vigil database") && match.stderr.contains(nowhere))
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        for command in [["bank", "list"], ["bank", "show", "x"], ["bank", "export", "x"]] {
            let result = try await VigilProcess.run(command + ["--data-dir", nowhere], environment: ["VIGIL_DATABASE_URL": ""])
            #expect(result.status == 2 && result.stderr.contains("no Vigil database"), "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: nowhere))

        _ = try await vigil(["bank", "create", "real"])
        let typo = try await vigil(["match", "--bank", "reel", Self.bridge])
        #expect(typo.status == 2 && typo.stderr.contains("bank \"reel\" not found"))
    }
}
