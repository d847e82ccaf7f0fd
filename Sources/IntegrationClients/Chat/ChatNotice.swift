import Foundation

/// A message to a team's chat channel: a title, a few lines, and links back into Vigil. It
/// never carries an image, a URL in its text (an image's URL would be fetched and shown by the
/// chat service), or a hash beyond its first characters: a channel is read by more people, on
/// more devices, than the dashboard. Its only links are `links`, made by Vigil.
public struct ChatNotice: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        public let label: String
        public let url: String

        public init(label: String, url: String) {
            self.label = label
            self.url = url
        }
    }

    public let title: String
    public let text: String
    public let links: [Link]

    /// `title` and `text` with every URL taken out (`hidingURLs`), every hash shortened
    /// (`hidingHashes`), and bounded in length.
    public init(title: String, text: String, links: [Link] = []) {
        self.title = String(Self.hidingHashes(Self.hidingURLs(title)).prefix(200))
        self.text = String(Self.hidingHashes(Self.hidingURLs(text)).prefix(2000))
        self.links = links
    }

    /// Text with every http(s) URL replaced by "(a link, not shown)".
    public static func hidingURLs(_ text: String) -> String {
        text.replacing(/(?i)\bhttps?:\/\/\S+/, with: "(a link, not shown)")
    }

    /// Text with every run of 16 or more hex digits (a PDQ, MD5 or SHA-256, a media name) cut to
    /// its first 8 and "…": enough to recognise a hash, not enough to search a list with it.
    public static func hidingHashes(_ text: String) -> String {
        var result = ""
        var run = ""
        func flush() {
            result += run.count >= 16 ? String(run.prefix(8)) + "…" : run
            run = ""
        }
        for character in text {
            if character.isHexDigit && character.isASCII { run.append(character) } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }
}

/// Links into the dashboard, made from the address people reach it at (`public_url`). Without
/// one, a message names what it is about and carries no link (a relative path means nothing in
/// a chat client).
public struct DashboardLinks: Sendable, Equatable {
    public let base: String?

    /// `base`: `https://vigil.example.org` (a trailing slash is dropped).
    public init(base: String?) {
        self.base = base.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func link(_ label: String, path: String) -> ChatNotice.Link? {
        base.map { ChatNotice.Link(label: label, url: $0 + path) }
    }

    public func `case`(_ id: Int64) -> ChatNotice.Link? { link("Open case #\(id)", path: "/cases/\(id)") }
    public func account(_ id: Int64) -> ChatNotice.Link? { link("Open account \(id)", path: "/accounts/\(id)") }
    public func run(_ id: Int64) -> ChatNotice.Link? { link("Open run \(id)", path: "/workflow-runs/\(id)") }
}
