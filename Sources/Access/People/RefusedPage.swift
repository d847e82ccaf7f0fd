public import Foundation

/// The page a refused form post answered with (errors at the fields, a conflict, a refusal),
/// kept for the session that posted it so the browser can be redirected to a GET that shows it:
/// a reload or Back then never posts the form again. Kept for minutes, never with an image.
public struct RefusedPage: Sendable, Equatable {
    public var token: String
    public var sessionDigest: String
    public var status: Int
    public var html: String
    public var at: Date

    /// How long a refused page can be shown again (a reload, Back).
    public static let lifetime: TimeInterval = 600
    /// Larger pages are answered as they are, not kept.
    public static let maxBytes = 256 * 1024
    /// The most one session keeps (the oldest goes first).
    public static let perSession = 10

    public init(token: String, sessionDigest: String, status: Int, html: String, at: Date) {
        self.token = token
        self.sessionDigest = sessionDigest
        self.status = status
        self.html = html
        self.at = at
    }

    /// Whether a page may be kept: never one that inlines a file (a revealed image, a preview),
    /// which must not be written anywhere but the encrypted evidence store, nor one with a NUL
    /// (which a text column cannot hold whole).
    public static func mayKeep(_ html: String) -> Bool {
        html.utf8.count <= maxBytes && !html.contains("data:image/") && !html.utf8.contains(0)
    }
}
