import BankImport
import Banks
import Jobs
import Testing

/// An import's summary keeps one wire shape in job progress and results: a checkpoint that an
/// earlier version wrote is read back whole, and written again with the same keys.
@Suite struct ImportSummaryTextTests {
    static let checkpoint = #"{"fraction":0.5,"summary":{"added":3,"duplicates":1,"rejected":[{"line":7,"reason":"not a hash"}],"rejected_count":1,"removed":0,"replaced":0,"rows_read":5,"updated":0}}"#

    @Test func aCheckpointAnEarlierVersionWroteIsReadAndWrittenTheSame() throws {
        let progress = try JobText.decode(BankImportJob.Progress.self, from: Self.checkpoint)
        #expect(progress.summary.added == 3 && progress.summary.rowsRead == 5 && progress.fraction == 0.5)
        #expect(progress.summary.rejected == [ImportSummary.Rejection(line: 7, reason: "not a hash")])
        #expect(try JobText.encode(progress) == Self.checkpoint)
    }
}
