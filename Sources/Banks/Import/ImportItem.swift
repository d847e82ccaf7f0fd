/// One unit read from an import source.
public enum ImportItem: Sendable {
    /// An entry to add, from line (or record, or file) `line`.
    case entry(line: Int, NewEntry)
    /// The source withdrew the entry with this external id (NCMEC `deleted*` records).
    case delete(line: Int, externalID: String)
    /// A malformed row, with the reason; nothing from it is written.
    case rejected(line: Int, reason: String)
}

/// A pull source of import items; each reader streams its input in constant memory.
public protocol ImportReader {
    /// The next item, or nil at the end. Throws only for errors that stop the whole import
    /// (an unreadable file, a header without signal columns).
    mutating func next() async throws -> ImportItem?
    /// Progress through the input, 0 ... 1, when known.
    var progress: Double? { get }
}

public enum ImportFormat: String, Sendable, CaseIterable, Codable {
    case csv
    case list
    case ncmecXML = "ncmec-xml"
    case images
}

public struct ImportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
