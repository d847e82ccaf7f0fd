import Foundation
import Hummingbird
import NIOCore

/// The fields of an `application/x-www-form-urlencoded` form post, in order, repeated names
/// kept (a multi-select sends one per choice).
struct FormFields: Sendable {
    /// Dashboard forms are small; uploads are multipart and stream elsewhere.
    static let limit = 1024 * 1024
    private(set) var pairs: [(name: String, value: String)] = []

    init(_ body: ByteBuffer) {
        self.init(String(buffer: body))
    }

    /// Fields as a form would send them (a step's values, to open it for editing).
    init(pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0, value: $0.1) }
    }

    init(_ text: String) {
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0]), value = parts.count > 1 ? Self.decode(parts[1]) : ""
            pairs.append((name, value))
        }
    }

    subscript(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The first value of a field, as a URL's query parameters are read.
    func get(_ name: String) -> String? { self[name] }

    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// A field's text, trimmed; nil when absent or blank.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A checkbox: present (any value but "false") is on.
    func checked(_ name: String) -> Bool { self[name].map { $0 != "false" } ?? false }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

/// The errors of one form, by field, and the values to show again.
struct FormProblems {
    var byField: [String: String] = [:]
    var general: [String] = []

    var isEmpty: Bool { byField.isEmpty && general.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        if byField[field] == nil { byField[field] = message }
    }
}

extension Request {
    /// A GET form's fields, decoded as the browser encoded them: a space is `+` there, which
    /// `uri.queryParameters` leaves as it is (so "bulk check" would be searched as "bulk+check").
    var formQuery: FormFields { FormFields(uri.query ?? "") }
}
