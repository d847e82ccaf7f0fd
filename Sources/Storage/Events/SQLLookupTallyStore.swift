public import Events
import SQLKit

/// `LookupTallyStore` on SQLKit: one upsert per hour counted (both backends have ON CONFLICT).
public struct SQLLookupTallyStore: LookupTallyStore {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    public func add(_ counts: [HourCount]) async throws {
        try await database.transaction { sql in
            for count in counts {
                try await sql.raw("""
                    INSERT INTO lookup_tallies (hour, lookups, matches) VALUES (\(bind: count.hour), \(bind: count.lookups), \(bind: count.matches))
                    ON CONFLICT (hour) DO UPDATE SET lookups = lookup_tallies.lookups + excluded.lookups,
                                                     matches = lookup_tallies.matches + excluded.matches
                    """).run()
            }
        }
    }

    public func counts(fromHour: Int64, toHour: Int64) async throws -> [HourCount] {
        try await database.run { sql in
            try await sql.raw("""
                SELECT hour, lookups, matches FROM lookup_tallies WHERE hour BETWEEN \(bind: fromHour) AND \(bind: toHour) ORDER BY hour
                """).all().map { row in
                HourCount(hour: try row.decode(column: "hour", as: Int64.self), lookups: try row.decode(column: "lookups", as: Int64.self),
                          matches: try row.decode(column: "matches", as: Int64.self))
            }
        }
    }
}
