import Basics
import Access
import Foundation
import Hummingbird
import NIOCore

/// A key as the API shows it: the secret only once, in the response that created it.
struct KeyJSON: Encodable {
    var id: Int64
    var label: String
    var role: String
    var prefix: String
    var createdAt: String
    var revokedAt: String?
    var secret: String?

    enum CodingKeys: String, CodingKey {
        case id, label, role, prefix, createdAt = "created_at", revokedAt = "revoked_at", secret
    }

    init(_ key: APIKey) {
        id = key.id
        label = key.label
        role = key.role.rawValue
        prefix = key.prefix
        createdAt = Timestamp.iso8601(key.createdAt)
        revokedAt = key.revokedAt.map(Timestamp.iso8601)
    }
}
