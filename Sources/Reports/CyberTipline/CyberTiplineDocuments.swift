public import Foundation

/// The documents a report sends NCMEC (the `<report>` of `/submit`, the `<fileDetails>` of
/// `/fileinfo`), written by the CyberTipline adapter beside its client: the domain decides what
/// a report says and when each call is made, and keeps each document as it was sent.
public protocol CyberTiplineDocuments: Sendable {
    /// The body of `POST /submit`.
    func report(_ content: ReportContent, now: Date) -> String
    /// The body of `POST /fileinfo` for a file NCMEC has given `fileID` in report `reportID`.
    func fileDetails(_ file: ReportFile, reportID: Int64, fileID: String, now: Date) -> String
}
