import Access
import Foundation
import Screening
import Storage
import Testing
import VigilTestSupport

/// `vigil screened delete --account`: an account's screened signals go on its request, from the
/// command line as from the API, with an audit line (issue 31 §1).
@Suite struct ScreenedCommandTests {
    let dir: TemporaryDirectory
    var env: [String: String] { ["VIGIL_DATA_DIR": dir.url.path, "VIGIL_DATABASE_URL": ""] }

    init() throws { dir = try TemporaryDirectory() }

    func vigil(_ args: [String]) async throws -> VigilProcess.Output { try await VigilProcess.run(args, environment: env) }

    @Test func anAccountsScreenedSignalsAreDeletedOnItsRequest() async throws {
        #expect(try await vigil(["bank", "create", "b"]).status == 0, "the data directory and its database exist")
        let location = DatabaseLocation.sqlite(path: dir.url.appendingPathComponent("vigil.sqlite").path)
        try await VigilDatabase.withOpen(location) { database in
            let signal = { (account: String, md5: String) in
                ScreenedSignal(at: Date(), lookupID: UUID().uuidString, api: "native", caller: "key:1", accountReference: account, runID: nil,
                               pdq: nil, pdqQuality: nil, md5: md5, sha256: nil)
            }
            try await SQLScreenedStore(database: database).record([signal("user-9", String(repeating: "a", count: 32)),
                                                                   signal("user-9", String(repeating: "b", count: 32)),
                                                                   signal("user-10", String(repeating: "c", count: 32))])
        }
        let deleted = try await vigil(["screened", "delete", "--account", "user-9"])
        #expect(deleted.status == 0 && deleted.stdout.contains("deleted 2 screened signals of user-9"), "\(deleted.stderr)")
        let count = try await vigil(["screened", "count"])
        #expect(count.stdout.contains("1 screened signals kept"))
        let empty = try await vigil(["screened", "delete", "--account", ""])
        #expect(empty.status != 0 && empty.stderr.contains("--account is 1 to 200 characters"))
        let outcome = try await VigilDatabase.withOpen(location) { database in
            try await SQLAuditLog(database: database).latestEvents(before: nil, limit: 5, filter: AuditFilter(action: "screened.delete")).first
        }
        #expect(outcome?.outcome == "ok: 2 deleted" && outcome?.target == "account:user-9", "\(String(describing: outcome))")
    }
}
