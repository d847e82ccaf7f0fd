/// Refusing keys a type does not know: a misspelt field (`contine_on_error`) must be an error
/// that names it, never a setting silently left at its default.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?

    public init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    public init?(stringValue: String) { self.init(stringValue) }

    public init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Throws `DecodingError.dataCorrupted` naming the first key of this object that `Key` does
    /// not list (`DecodingProblem` words it as "\"steps[0]\" has an unknown key …").
    public func refuseUnknownKeys<Key: CodingKey & CaseIterable>(_ known: Key.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let names = Set(Key.allCases.map(\.stringValue))
        guard let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !names.contains($0) }) else { return }
        throw DecodingError.dataCorrupted(.init(
            codingPath: codingPath,
            debugDescription: "\(DecodingProblem.unknownKeyMarker) \"\(unknown)\" (known keys: \(names.sorted().joined(separator: ", ")))"))
    }
}
