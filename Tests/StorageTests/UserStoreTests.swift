import Access
import Events
import Foundation
import Storage
import Testing
import VigilTestSupport

/// People, sessions and lookup tallies on real SQLite and PostgreSQL.
@Suite struct UserStoreTests {
    /// A hasher that is not bcrypt, so these tests check storage, not a quarter-second hash.
    struct PlainHasher: PasswordHasher {
        func hash(_ password: String) async throws -> String { "plain:" + password }
        func verify(_ password: String, hash: String) async throws -> Bool { hash == "plain:" + password }
    }

    @Test(arguments: Backend.allCases)
    func peopleAndTheirSessionsReadBackAndEndTogether(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let store = SQLUserStore(database: database)
        let users = UserService(store: store, hasher: PlainHasher())
        let ada = try await users.create(name: "Ada", role: .admin, password: "a long enough password")
        #expect(ada.name == "ada", "names are lower case")
        #expect(ada.preferences == ReviewerPreferences(greyscale: true))
        let opened = try await users.signIn(name: "ada", password: "a long enough password", remote: "127.0.0.1")
        let found = try #require(try await users.session(secret: opened.secret))
        #expect(found.session.actor == "user:ada" && found.user?.id == ada.id)
        #expect(try await store.session(digest: opened.secret) == nil, "the secret is not what is stored")
        _ = try await users.savePreferences(ada.id, ReviewerPreferences(greyscale: false))
        #expect(try await users.user(id: ada.id).preferences.greyscale == false)
        _ = try await users.create(name: "bob", role: .admin, password: "another long password")
        _ = try await users.update(ada.id, disabled: true)
        #expect(try await users.session(secret: opened.secret) == nil, "disabling ends the sessions")
        await #expect(throws: SignInError.refused) {
            _ = try await users.signIn(name: "ada", password: "a long enough password", remote: "127.0.0.1")
        }
        let bob = try await users.user(named: "bob")
        await #expect(throws: AccessError.self, "the last enabled admin stays an admin") { _ = try await users.update(bob.id, role: .viewer) }
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func tallyCountsFromSeveralProcessesAddUp(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (_, database) = try await db.service()
        let hour = Date(timeIntervalSince1970: 1_790_000_000)
        let first = LookupTally(store: SQLLookupTallyStore(database: database))
        let second = LookupTally(store: SQLLookupTallyStore(database: database))
        for index in 0..<5 { first.count(matched: index == 0, at: hour) }
        for _ in 0..<3 { second.count(matched: true, at: hour) }
        second.count(matched: false, at: hour.addingTimeInterval(3600))
        try await first.flush()
        try await second.flush()
        try await first.flush()  // nothing new: adds nothing
        let counts = try await first.hours(from: hour, to: hour.addingTimeInterval(3600))
        #expect(counts.map(\.lookups) == [8, 1])
        #expect(counts.map(\.matches) == [4, 0])
        await database.close()
    }
}
