import Banks
import PDQ

/// The rows of a batch as the inserter takes them: as bind values already (rows that were
/// reconciled), or as the entries, converted as they are written (a statement's rows at a time on
/// SQLite, a row at a time into COPY on PostgreSQL).
enum EntryRows: Sendable {
    case converted([EntryBinds])
    case unconverted([NewEntry], bankID: Int64, addedAt: Int64)

    var count: Int {
        switch self {
        case let .converted(rows): rows.count
        case let .unconverted(entries, _, _): entries.count
        }
    }

    func all() throws -> [EntryBinds] {
        switch self {
        case let .converted(rows): rows
        case let .unconverted(entries, bankID, addedAt): try entries.map { try EntryBinds(entry: $0, bankID: bankID, addedAt: addedAt) }
        }
    }

    func binds(at index: Int) throws -> EntryBinds {
        switch self {
        case let .converted(rows): rows[index]
        case let .unconverted(entries, bankID, addedAt): try EntryBinds(entry: entries[index], bankID: bankID, addedAt: addedAt)
        }
    }

    /// The row's signals, without converting it.
    func signals(at index: Int) -> (pdq: PDQHash?, md5: String?, sha256: String?) {
        switch self {
        case let .converted(rows): (rows[index].pdq, rows[index].md5, rows[index].sha256)
        case let .unconverted(entries, _, _): (entries[index].signals.pdq, entries[index].signals.md5, entries[index].signals.sha256)
        }
    }

    func slice(_ range: Range<Int>) throws -> ArraySlice<EntryBinds> {
        switch self {
        case let .converted(rows): rows[range]
        case let .unconverted(entries, bankID, addedAt):
            ArraySlice(try entries[range].map { try EntryBinds(entry: $0, bankID: bankID, addedAt: addedAt) })
        }
    }
}
