/// Hashes and checks passwords. The domain names the need; the adapter provides bcrypt (which
/// is a C library and slow on purpose, so it runs off the cooperative pool).
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
}
