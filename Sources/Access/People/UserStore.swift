public import Foundation

/// The storage port for people and their sessions.
public protocol UserStore: Sendable {
    func createUser(name: String, role: Role, passwordHash: String, at time: Date) async throws -> User
    func user(id: Int64) async throws -> User?
    func user(named name: String) async throws -> User?
    func users() async throws -> [User]
    /// Replaces the mutable fields (role, password hash, disabled, failures, lock, last login,
    /// preferences) of the user with `user.id`.
    func saveUser(_ user: User) async throws -> User
    /// `saveUser` for a change that may take away an admin (a new role, disabled): refused
    /// (`AccessError.lastAdminUser`) when it would leave no enabled admin, checked in the same
    /// transaction as the change, so two such changes at once cannot both succeed.
    func saveUserKeepingAnAdmin(_ user: User) async throws -> User

    func createSession(_ session: Session) async throws
    func session(digest: String) async throws -> Session?
    /// Keeps a refused form's page for its session (and drops those older than `RefusedPage.lifetime`).
    func keepRefusedPage(_ page: RefusedPage) async throws
    /// The page kept under `token` for this session, if it is younger than `since`.
    func refusedPage(token: String, sessionDigest: String, since: Date) async throws -> RefusedPage?
    func deleteSession(digest: String) async throws
    /// Ends every session of a user (disabled, password changed).
    func deleteSessions(userID: Int64) async throws
    func deleteExpiredSessions(before time: Date) async throws
}
