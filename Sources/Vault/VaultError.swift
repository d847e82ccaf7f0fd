/// Why a secret could not be stored or read. Messages never include a secret.
public enum VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `VIGIL_MASTER_KEY` or the key file does not hold a 32-byte base64 key.
    case malformedMasterKey(String)
    case unreadableKeyFile(String)
    case unwritableKeyFile(String)
    /// The stored secrets were sealed under another master key.
    case wrongMasterKey
    /// A sealed secret did not open: another key, another owner, or changed since.
    case cannotOpen

    public var reason: String {
        switch self {
        case let .malformedMasterKey(reason): reason
        default: description
        }
    }

    public var description: String {
        switch self {
        case let .malformedMasterKey(reason): "the master key is not usable: \(reason)"
        case let .unreadableKeyFile(path): "cannot read the master key file \(path)"
        case let .unwritableKeyFile(path): "cannot create the master key file \(path)"
        case .wrongMasterKey:
            "the master key is not the one the stored credentials were encrypted with (check VIGIL_MASTER_KEY or the key file)"
        case .cannotOpen: "a stored secret cannot be decrypted with the master key"
        }
    }
}
