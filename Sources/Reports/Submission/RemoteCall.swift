/// One call to the CyberTipline (ncmec.md §1.2).
public enum RemoteCall: Sendable, Equatable, Codable, CustomStringConvertible {
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
    public var endpoint: String {
        switch self {
        case .submit: "submit"
        case .upload: "upload"
        case .fileInfo: "fileinfo"
        case .finish: "finish"
        case .retract: "retract"
        }
    }

    enum CodingKeys: String, CodingKey { case call, file, report }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .call) {
        case "submit": self = .submit
        case "upload": self = .upload(try container.decode(Int.self, forKey: .file))
        case "fileinfo": self = .fileInfo(try container.decode(Int.self, forKey: .file))
        case "finish": self = .finish
        case "retract": self = .retract(try container.decode(Int64.self, forKey: .report))
        case let other: throw DecodingError.dataCorruptedError(forKey: .call, in: container, debugDescription: "unknown call \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(endpoint, forKey: .call)
        switch self {
        case let .upload(index), let .fileInfo(index): try container.encode(index, forKey: .file)
        case let .retract(id): try container.encode(id, forKey: .report)
        case .submit, .finish: break
        }
    }
}
