/// Control characters (NUL, line breaks, escapes) in text typed as one line — a search, a queue's
/// name: the one check. PostgreSQL refuses a NUL in text, and none belongs in a name.
public enum ControlCharacters {
    public static func found(in text: some StringProtocol) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    public static func removed(from text: some StringProtocol) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control }))
    }
}
