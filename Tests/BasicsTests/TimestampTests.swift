import Basics
import Foundation
import Testing

/// One way to write a time: ISO 8601 in UTC, to the second for people and clients, to the
/// millisecond where events are ordered by it; either is read back.
@Suite struct TimestampTests {
    static let instant = Date(timeIntervalSince1970: 1_764_483_480.125)

    @Test func secondsAndMillisecondsAreWrittenInUTCAndReadBack() throws {
        #expect(Timestamp.iso8601(Self.instant) == "2025-11-30T06:18:00Z")
        #expect(Timestamp.iso8601Milliseconds(Self.instant) == "2025-11-30T06:18:00.125Z")
        let seconds = try #require(Timestamp.parse("2025-11-30T06:18:00Z"))
        #expect(seconds.timeIntervalSince1970 == 1_764_483_480)
        let milliseconds = try #require(Timestamp.parse("2025-11-30T06:18:00.125Z"))
        #expect(abs(milliseconds.timeIntervalSince1970 - Self.instant.timeIntervalSince1970) < 0.0005)
    }

    @Test func aTimeThatIsNotISO8601IsNotRead() {
        #expect(Timestamp.parse("30/11/2025 06:18") == nil)
        #expect(Timestamp.parse("") == nil)
    }
}
