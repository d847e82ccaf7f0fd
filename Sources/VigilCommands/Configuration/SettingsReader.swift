import Configuration
import Foundation
import JSONValues
import Synchronization
import SystemPackage

/// Every command's settings come through one reader (swift-configuration's `ConfigReader`), from
/// the first of: the command line, a `VIGIL_*` environment variable, the JSON config file
/// (`--config` / `VIGIL_CONFIG`), the default. A value that is present but unusable (`port: "x"`,
/// `VIGIL_MAX_PIXELS=lots`) is an error that names the setting and where the value came from;
/// it never falls back to the default, which is what `ConfigReader`'s own lookups would do.
struct SettingsReader: Sendable {
    /// A setting's name: its config-file key; the environment variable is `VIGIL_` + upper case.
    typealias Name = String

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    private let reader: ConfigReader
    private let problems: ProblemLog
    /// The config file, for messages.
    let configFile: String?

    /// - Parameters:
    ///   - flags: the settings given on the command line, by name.
    ///   - configFile: the `--config` flag; `VIGIL_CONFIG` is read when it is nil.
    ///   - knownNames: the keys a config file may hold; any other is an error (a misspelt key
    ///     would otherwise be ignored silently and its default used).
    static func open(flags: [Name: ConfigValue], configFile flag: String?, knownNames: Set<Name>,
                     environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> SettingsReader {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "the command line", values: Dictionary(uniqueKeysWithValues: flags.map { (AbsoluteConfigKey([$0.key]), $0.value) })),
            // Key `max_pixels` is read as `vigil.max_pixels`, which the provider spells VIGIL_MAX_PIXELS.
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["vigil"]),
        ]
        let path = flag ?? environment["VIGIL_CONFIG"]
        if let path, !path.isEmpty {
            try checkKeys(ofConfigFile: path, knownNames: knownNames)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
            } catch {
                throw Invalid(description: "config file \(path) is not valid: \(error)")
            }
        }
        let problems = ProblemLog()
        return SettingsReader(reader: ConfigReader(providers: providers, accessReporter: problems), problems: problems, configFile: path)
    }

    private static func checkKeys(ofConfigFile path: String, knownNames: Set<Name>) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw Invalid(description: "cannot read config file \(path)") }
        let keys: [String: JSONValues.JSONValue]
        do {
            guard let object = try JSONDecoder().decode(JSONValues.JSONValue.self, from: data).object else { throw Invalid(description: "not an object") }
            keys = object
        } catch {
            throw Invalid(description: "config file \(path) is not a JSON object")
        }
        if let unknown = keys.keys.sorted().first(where: { !knownNames.contains($0) }) {
            throw Invalid(description: "config file \(path) has an unknown key \"\(unknown)\" (known: \(knownNames.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: typed lookups

    func string(_ name: Name) throws -> String? {
        try checked(name) { reader.string(forKey: ConfigKey([name])) }
    }

    func string(_ name: Name, default fallback: String) throws -> String {
        try string(name) ?? fallback
    }

    func int(_ name: Name, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let value = try checked(name) { reader.int(forKey: ConfigKey([name])) } ?? fallback
        guard range.contains(value) else { throw Invalid(description: "\(describe(name)) must be \(range.lowerBound)-\(range.upperBound), not \(value)") }
        return value
    }

    func double(_ name: Name) throws -> Double? {
        try checked(name) { reader.double(forKey: ConfigKey([name])) }
    }

    func bool(_ name: Name, default fallback: Bool) throws -> Bool {
        try checked(name) { reader.bool(forKey: ConfigKey([name])) } ?? fallback
    }

    /// A list: repeated flags, a comma-separated variable, or a JSON array.
    func strings(_ name: Name) throws -> [String] {
        try checked(name) { reader.stringArray(forKey: ConfigKey([name])) } ?? []
    }

    /// `name (VIGIL_NAME)`, as messages spell a setting.
    func describe(_ name: Name) -> String {
        "\(name) (VIGIL_\(name.uppercased()))"
    }

    /// Runs one lookup and turns a value that was found but did not convert into an error.
    private func checked<Value>(_ name: Name, _ lookup: () -> Value?) throws -> Value? {
        problems.clear()
        let value = lookup()
        if let problem = problems.take() {
            throw Invalid(description: "\(describe(name)): \(problem)")
        }
        return value
    }
}

/// Records the first lookup whose value was present but unusable (swift-configuration reports it
/// to an access reporter and answers nil).
private final class ProblemLog: AccessReporter, Sendable {
    private let problem = Mutex<String?>(nil)

    func report(_ event: AccessEvent) {
        let found = event.providerResults.first { result in
            if case let .success(lookup) = result.result { return lookup.value != nil }
            return true
        }
        var message: String?
        if event.conversionError != nil, let found, case let .success(lookup) = found.result, let value = lookup.value {
            let text = value.isSecret ? "<secret>" : Self.text(of: value.content)
            message = "\"\(text)\" (from \(Self.source(found.providerName))) is not \(Self.expected(event.metadata.valueType))"
        } else if let found, case .failure = found.result {
            // A provider that parses text itself (the environment) fails the lookup instead.
            message = "the value in \(Self.source(found.providerName)) is not \(Self.expected(event.metadata.valueType))"
        }
        guard let message else { return }
        problem.withLock { $0 = $0 ?? message }
    }

    static func source(_ providerName: String) -> String {
        if providerName.contains("Environment") { return "the environment" }
        if providerName.contains("command line") { return "the command line" }
        return "the config file"
    }

    static func text(of content: ConfigContent) -> String {
        switch content {
        case let .string(text): text
        case let .int(number): String(number)
        case let .double(number): String(number)
        case let .bool(flag): String(flag)
        case let .stringArray(list): list.joined(separator: ",")
        default: String(describing: content)
        }
    }

    static func expected(_ type: ConfigType) -> String {
        switch type {
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .string: "a text"
        case .stringArray: "a list of texts"
        default: "a \(type)"
        }
    }

    func clear() { problem.withLock { $0 = nil } }

    func take() -> String? { problem.withLock { value in defer { value = nil }; return value } }
}
