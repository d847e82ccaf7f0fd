public import Foundation

/// Writes an XML document element by element, in the order it is told (NCMEC's schema is a
/// sequence: order matters), escaping text and attributes and dropping the characters XML 1.0
/// forbids, which user-supplied names and bios do contain.
public struct XMLWriter: Sendable {
    public private(set) var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"

    public init() {}

    /// `<name attributes>…</name>` with the children `body` writes.
    public mutating func element(_ name: String, _ attributes: [(String, String)] = [], _ body: (inout XMLWriter) -> Void) {
        text += "<" + name + Self.attributes(attributes) + ">"
        body(&self)
        text += "</" + name + ">"
    }

    /// `<name>value</name>`; nothing when the value is nil or empty after cleaning.
    public mutating func leaf(_ name: String, _ value: String?, _ attributes: [(String, String)] = []) {
        guard let value else { return }
        let cleaned = Self.escape(value.trimmingCharacters(in: .whitespacesAndNewlines))
        guard !cleaned.isEmpty else { return }
        text += "<" + name + Self.attributes(attributes) + ">" + cleaned + "</" + name + ">"
    }

    public mutating func leaf(_ name: String, _ value: Bool?) { leaf(name, value.map { $0 ? "true" : "false" }) }

    /// `<name/>`: a flag (`xs:boolean fixed="true"`).
    public mutating func flag(_ name: String) { text += "<" + name + "/>" }

    static func attributes(_ attributes: [(String, String)]) -> String {
        attributes.map { " \($0.0)=\"\(escape($0.1, attribute: true))\"" }.joined()
    }

    /// Escaped for XML 1.0, without the characters it cannot carry at all.
    public static func escape(_ value: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            default:
                if isAllowed(scalar) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// XML 1.0's Char production: TAB, LF, CR and everything from U+0020 but U+FFFE and U+FFFF
    /// (Swift strings hold no lone surrogates).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// UTC with `Z`, whole seconds (NCMEC rejects a time without a zone).
    public static func dateTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
    }
}
