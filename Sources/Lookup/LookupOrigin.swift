/// Who and what a lookup was for: kept with its screened signals, so a match found later (an
/// entry added to a bank after the image was screened) can be acted on for the same account.
public struct LookupOrigin: Sendable, Equatable {
    /// Who asked: `key:3`, `user:ana`, `proxy:matcher`.
    public var caller: String?
    /// The platform's own id of the account that uploaded the image, when the caller named it.
    public var accountReference: String?
    /// The workflow run whose step looked the image up.
    public var runID: Int64?

    public init(caller: String? = nil, accountReference: String? = nil, runID: Int64? = nil) {
        self.caller = caller
        self.accountReference = accountReference
        self.runID = runID
    }
}
