public import Access
import HummingbirdBcrypt
import NIOPosix

/// Passwords hashed with bcrypt (hummingbird-auth's). A hash takes a quarter of a second at
/// cost 12 by design, so it runs on NIO's blocking thread pool, never on the cooperative pool
/// or an event loop.
public struct BcryptPasswords: PasswordHasher {
    public let cost: UInt8

    public init(cost: UInt8 = 12) {
        self.cost = cost
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
