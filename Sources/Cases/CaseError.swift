import Basics
/// What a case or account operation refuses, each with a message that says what to do.
public enum CaseError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case invalid(String)
    /// Someone else changed the case first (or it is resolved): the caller gets the current state.
    case conflict(String, current: Case)
    case accountConflict(String, current: Account)
    /// The reviewer has seen as many files as a cap allows (`ExposureBudget`, `ExposureLimit`): the cap that refused.
    case exposureLimit(Exposure, refusedBy: ExposureUse)

    public var description: String {
        switch self {
        case let .notFound(what): "\(what) not found"
        case let .invalid(message): message
        case let .conflict(message, _): message
        case let .accountConflict(message, _): message
        case let .exposureLimit(exposure, use):
            use.refusalText(actor: exposure.actor)
                + (use.easesAt.map { " until \(Timestamp.iso8601($0))" } ?? "") + "; work that needs no image goes on (accounts, reports, comments)"
        }
    }
}
