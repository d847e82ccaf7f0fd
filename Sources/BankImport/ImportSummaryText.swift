public import Banks

/// An import's summary as a job's progress and result carry it (`JobText`), and as the API shows
/// a job's result: the one wire shape of `ImportSummary`, whose keys a resumed import reads back.
public struct ImportSummaryText: Codable, Sendable, Equatable {
    public var rowsRead: Int
    public var added: Int
    public var duplicates: Int
    public var updated: Int
    public var removed: Int
    public var replaced: Int
    public var rejectedCount: Int
    /// Absent in a checkpoint written before it was counted.
    public var lowQuality: Int?
    public var rejected: [Rejection]

    public struct Rejection: Codable, Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    enum CodingKeys: String, CodingKey {
        case rowsRead = "rows_read", added, duplicates, updated, removed, replaced, rejectedCount = "rejected_count", rejected
        case lowQuality = "low_quality"
    }

    public init(_ summary: ImportSummary) {
        rowsRead = summary.rowsRead
        added = summary.added
        duplicates = summary.duplicates
        updated = summary.updated
        removed = summary.removed
        replaced = summary.replaced
        rejectedCount = summary.rejectedCount
        lowQuality = summary.lowQuality
        rejected = summary.rejected.map { Rejection(line: $0.line, reason: $0.reason) }
    }

    public var summary: ImportSummary {
        var summary = ImportSummary()
        summary.rowsRead = rowsRead
        summary.added = added
        summary.duplicates = duplicates
        summary.updated = updated
        summary.removed = removed
        summary.replaced = replaced
        summary.rejectedCount = rejectedCount
        summary.lowQuality = lowQuality ?? 0
        summary.rejected = rejected.map { ImportSummary.Rejection(line: $0.line, reason: $0.reason) }
        return summary
    }
}
