import Foundation
import Jobs
import Testing

/// A job's outcome reads as words in the log ("succeeded: {…}"), not as Swift's dump of an enum
/// (`succeeded(result: Optional("…"))`).
@Suite struct JobOutcomeTests {
    @Test func outcomesReadAsWords() {
        #expect("\(JobOutcome.succeeded(result: #"{"purged":0}"#))" == #"succeeded: {"purged":0}"#)
        #expect("\(JobOutcome.succeeded(result: nil))" == "succeeded")
        #expect("\(JobOutcome.failed(error: "the bank is gone"))" == "failed: the bank is gone")
        #expect("\(JobOutcome.retry(error: "connection refused by 127.0.0.1:9", at: Date(timeIntervalSince1970: 1_800_000_000)))"
            == "retry at 2027-01-15T08:00:00Z: connection refused by 127.0.0.1:9")
        #expect("\(JobOutcome.cancelled)" == "cancelled")
    }
}
