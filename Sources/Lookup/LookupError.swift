/// Why a lookup could not be answered. Each adapter turns these into its own status codes.
public enum LookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The index is still loading.
    case notReady
    /// The hashing queue is full: try again after the given seconds.
    case busy(retryAfterSeconds: Int)
    case shuttingDown
    /// A request option is out of range; the message names it.
    case invalid(String)
    /// The request names a bank that does not exist.
    case unknownBank(String)
    /// The lookup's event (a match) could not be committed, so the lookup is not answered: a
    /// match that no workflow, webhook or reviewer would ever hear of must be retried. Why is in
    /// the server's log (the recorder's), never in the answer.
    case unrecorded

    public var description: String {
        switch self {
        case .notReady: "the match index is still loading; retry shortly"
        case let .busy(seconds): "every hashing thread is busy and the queue is full; retry in \(seconds) s"
        case .shuttingDown: "the service is shutting down"
        case let .invalid(message): message
        case let .unknownBank(name): "bank \"\(name)\" not found"
        case .unrecorded: "the lookup matched, but the match could not be recorded, so it is not answered as handled; retry"
        }
    }
}
