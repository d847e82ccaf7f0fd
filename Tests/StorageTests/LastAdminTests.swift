import Access
import Foundation
import Storage
import Testing
import VigilTestSupport

/// Issue 28: two admins revoking each other's keys (or demoting each other) at the same moment
/// both succeeded, leaving no admin. The store keeps the last one in the change's own
/// transaction: of two such changes at once, exactly one succeeds.
@Suite struct LastAdminTests {
    @Test(arguments: Backend.allCases)
    func twoAdminKeysRevokedAtOnceLeaveOne(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let store = SQLKeyStore(database: database)
        for round in 0..<5 {
            let first = try await store.createKey(label: "a\(round)", role: .admin, digest: KeySecret.digest("a\(round)"), prefix: "vgl_a", at: Date())
            let second = try await store.createKey(label: "b\(round)", role: .admin, digest: KeySecret.digest("b\(round)"), prefix: "vgl_b", at: Date())
            let live = try await store.listKeys().filter { $0.role == .admin && !$0.isRevoked && ![first.id, second.id].contains($0.id) }
            for key in live { _ = try await store.revokeKey(id: key.id, at: Date()) }
            async let one = Result(catching: { try await store.revokeKey(id: first.id, at: Date()) })
            async let two = Result(catching: { try await store.revokeKey(id: second.id, at: Date()) })
            let outcomes = await [one, two]
            let refused = outcomes.filter { if case .failure(AccessError.lastAdmin) = $0 { true } else { false } }
            #expect(refused.count == 1, "round \(round): \(outcomes)")
            #expect(try await store.listKeys().filter { $0.role == .admin && !$0.isRevoked }.count == 1)
        }
        // A key that is not an admin's is revoked whatever the admins are.
        let matcher = try await store.createKey(label: "m", role: .matcher, digest: KeySecret.digest("m"), prefix: "vgl_m", at: Date())
        #expect(try await store.revokeKey(id: matcher.id, at: Date())?.isRevoked == true)
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func twoAdminsDemotedAtOnceLeaveOne(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let store = SQLUserStore(database: database)
        var first = try await store.createUser(name: "ada", role: .admin, passwordHash: "x", at: Date())
        var second = try await store.createUser(name: "bob", role: .admin, passwordHash: "x", at: Date())
        first.role = .viewer
        second.disabledAt = Date()
        async let one = Result(catching: { try await store.saveUserKeepingAnAdmin(first) })
        async let two = Result(catching: { try await store.saveUserKeepingAnAdmin(second) })
        let outcomes = await [one, two]
        let refused = outcomes.filter { if case .failure(AccessError.lastAdminUser) = $0 { true } else { false } }
        #expect(refused.count == 1, "\(outcomes)")
        #expect(try await store.users().filter { $0.role == .admin && !$0.isDisabled }.count == 1)
        await database.close()
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
