import Foundation
import Testing
import VigilTestSupport

/// `vigil users` as an operator scripts it: the password from standard input, never an
/// argument; list, role changes and disabling; clear refusals.
@Suite struct UsersCommandTests {
    let dir: TemporaryDirectory
    var env: [String: String] { ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": ""] }

    init() throws { dir = try TemporaryDirectory() }

    func vigil(_ args: [String], stdin: String? = nil) async throws -> VigilProcess.Output {
        try await VigilProcess.run(args, stdin: stdin.map { Data($0.utf8) }, environment: env)
    }

    @Test func createListChangeAndRefuse() async throws {
        let created = try await vigil(["users", "create", "Ada", "--role", "admin"], stdin: "correct horse battery\n")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("created user ada (admin)"))
        #expect(try await vigil(["users", "create", "rita", "--role", "reviewer"], stdin: "correct horse battery\n").status == 0)
        let listed = try await vigil(["users", "list"])
        #expect(listed.lines.count == 2)
        #expect(!listed.stdout.contains("correct horse"), "no password, nor its hash, is listed")
        #expect(!listed.stdout.contains("$2b$"))
        #expect(try await vigil(["users", "set-role", "rita", "--role", "reporter"]).stdout.contains("rita: reporter, active"))
        #expect(try await vigil(["users", "disable", "rita"]).stdout.contains("disabled"))
        let short = try await vigil(["users", "create", "bob", "--role", "viewer"], stdin: "short\n")
        #expect(short.status != 0)
        #expect(short.stderr.contains("at least 12 characters"))
        let noPassword = try await vigil(["users", "create", "bob", "--role", "viewer"], stdin: "")
        #expect(noPassword.status != 0)
        #expect(noPassword.stderr.contains("no value on standard input"))
        let badRole = try await vigil(["users", "create", "bob", "--role", "boss"], stdin: "correct horse battery\n")
        #expect(badRole.status != 0)
        #expect(badRole.stderr.contains("--role must be one of"))
        let lastAdmin = try await vigil(["users", "disable", "ada"])
        #expect(lastAdmin.status != 0)
        #expect(lastAdmin.stderr.contains("last enabled admin"))
    }
}
