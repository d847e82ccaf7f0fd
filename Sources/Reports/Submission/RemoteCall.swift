/// One call to the CyberTipline (ncmec.md §1.2).
public enum RemoteCall: Sendable, Equatable, CustomStringConvertible {
    case submit
    /// `/upload` of `files[index]`.
    case upload(Int)
    /// `/fileinfo` of `files[index]`.
    case fileInfo(Int)
    case finish
    case retract(Int64)

    public var description: String {
        switch self {
        case .submit: "submit"
        case let .upload(index): "upload of file \(index + 1)"
        case let .fileInfo(index): "file details of file \(index + 1)"
        case .finish: "finish"
        case let .retract(id): "retract of NCMEC report \(id)"
        }
    }

    /// The endpoint's name, for history lines and logs.
    /// The file a call is about (its index in the report's files), if any.
    public var file: Int? {
        switch self {
        case let .upload(index), let .fileInfo(index): index
        case .submit, .finish, .retract: nil
        }
    }

    /// The NCMEC report a retraction names.
    public var retractedReport: Int64? { if case let .retract(id) = self { id } else { nil } }

    public var endpoint: String {
        switch self {
        case .submit: "submit"
        case .upload: "upload"
        case .fileInfo: "fileinfo"
        case .finish: "finish"
        case .retract: "retract"
        }
    }
}
